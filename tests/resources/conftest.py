"""Fixtures of the resource tests: a namespace lab with two hosts on one segment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
AGENTS = REPO / "resource.d"
# what a script needs to find our Python (the runner sets the same through env.build)
AGENT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HA_AGENTS_PYTHON": PY}


@pytest.fixture
def lab2() -> Iterator[tuple[object, object, object]]:
    """(lab, a, b): hosts a=192.0.2.11, b=192.0.2.12 on one bridge; torn down after."""
    from ha_agents.lab import Lab

    with Lab("rs") as lab:
        a = lab.add_host("a", "192.0.2.11/24")
        b = lab.add_host("b", "192.0.2.12/24")
        yield lab, a, b


def ha(
    host: object, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``ha-agents ARGS`` inside ``host``'s namespace (``env`` added to ours)."""
    full = {**os.environ, **(env or {})}
    res = host.run([PY, "-m", "ha_agents", *args], check=False, timeout=timeout, env=full)  # type: ignore[attr-defined]
    return res.returncode, res.stdout, res.stderr
