"""The ``ha-agents`` command the lab starts.

By default this interpreter's ``python -m ha_agents`` (the checkout's editable install);
``HA_AGENTS_BIN`` names another command instead, e.g. the ``ha-agents`` of a fresh venv
made from the built wheel (tests/packaging), so the same lab drives what users install.
"""

from __future__ import annotations

import os
import shlex
import sys


def ha_agents(*args: str) -> list[str]:
    """argv of ``ha-agents ARGS``."""
    configured = os.environ.get("HA_AGENTS_BIN", "").strip()
    base = shlex.split(configured) if configured else [sys.executable, "-m", "ha_agents"]
    return [*base, *args]
