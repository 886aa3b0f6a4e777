"""Helpers shared by the resource tests (paths, our interpreter, ha-agents in a namespace)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
AGENTS = Path(package_agents_dir())  # our shipped agents (package data)
# what a script needs to find our Python (the runner sets the same through env.build)
AGENT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HA_AGENTS_PYTHON": PY}


def ha(
    host: Any, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``ha-agents ARGS`` inside ``host``'s namespace (``env`` added to ours)."""
    full = {**os.environ, **(env or {})}
    res = host.run([PY, "-m", "ha_agents", *args], check=False, timeout=timeout, env=full)
    return res.returncode, res.stdout, res.stderr
