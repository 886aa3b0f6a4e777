"""One two-node ha_agents cluster in the lab, driven once through CTS's test kinds
(tests/logs/ctskinds.py); the CTS and logcheck audits read the recorded steps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab import Lab
from tests.logs import ctsfacts
from tests.logs.ctskinds import run_all
from tests.logs.ctsrun import CtsRun, Step


@pytest.fixture(scope="session")
def cts_steps() -> Iterator[list[Step]]:
    try:
        ctsfacts.cm_hb()
    except ctsfacts.CtsMissing as exc:
        pytest.skip(str(exc))
    with Lab("lg") as lab:
        yield run_all(CtsRun(lab))
