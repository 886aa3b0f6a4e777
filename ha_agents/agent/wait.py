"""``wait_until``: poll a condition to a deadline (edge: reads the clock, sleeps)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Call ``predicate`` until it returns True or ``timeout`` seconds pass.

    Returns the last result: True if the condition held in time.  ``predicate`` is
    always tried at least once, and once more right at the deadline.
    """
    deadline = time.monotonic() + max(0.0, timeout)
    step = max(0.001, interval)
    while True:
        if predicate():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(step, left))
        if time.monotonic() >= deadline:
            return bool(predicate())
