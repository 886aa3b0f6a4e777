"""``fence_lab``: a fence agent whose "power switch" is the lab (EDGE, test-only).

Pacemaker's fenced runs it like any fence-agents program (``key=value`` lines on stdin, or
``-o ACTION -n NODE``).  ``off``/``reboot`` of a node: take every interface of the node's
network namespace down (a cable cut: its addresses stop answering), then SIGKILL every
process of its mount namespace, by PID — the node's power is off.  It finds the node
through ``POWERDIR/NODE``, written by tests/lab/pacemaker.py at start: the PID of the
node's first process and that process's start time (so a recycled PID is never hit).
``on`` cannot power a lab node on (the test restarts it) and fails; ``reboot`` reports
success once the node is off, as a machine that powers off and does not come back.

:func:`agent_text` returns the script (first line: this Python), installed into a node's
``/usr/sbin`` view by ``PacemakerNode(fence_agents={"fence_lab": agent_text()})``.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path(__file__).with_name("fence_lab_agent.py")


def agent_text(python: str = sys.executable) -> str:
    """The agent script with its shebang naming ``python``."""
    body = SOURCE.read_text(encoding="utf-8")
    if body.startswith("#!"):
        body = body.split("\n", 1)[1]
    return f"#!{python}\n{body}"
