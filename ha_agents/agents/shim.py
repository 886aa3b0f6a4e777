"""Start-up of the entry files in ``resource.d/``: find a Python that can run the agent.

An entry file is run by whatever its first line names (``/usr/bin/env python3`` as
shipped; an installed copy names the interpreter that has ha_agents), by Heartbeat with
its own PATH, by Pacemaker, or by ocf-tester as user nobody.  Each entry file puts the
directory that holds its ``ha_agents`` package at the END of ``sys.path`` (the
interpreter's own ha_agents wins) and calls :func:`main` with the agent's name.

This module must import with any Python 3: it uses the standard library only, and the
agent's own modules are imported only once the interpreter is known to fit.  When it
does not (too old, or a module the agent needs is missing), the entry file is executed
again with ``$HA_AGENTS_PYTHON`` (ha_agents sets it for every script it runs); without
one it exits 5, OCF_ERR_INSTALLED, with a message saying why.
"""

from __future__ import annotations

import importlib
import os
import sys

# name -> (module, class, third-party modules every action but meta-data needs)
AGENTS = {
    "IPaddr": ("ha_agents.agents.ipaddr.agent", "IPaddr", ("pyroute2",)),
    "httpd": ("ha_agents.agents.httpd.agent", "Httpd", ()),
    "redis": ("ha_agents.agents.redis.agent", "Redis", ()),
}
MIN_PYTHON = (3, 11)  # this module is read by older ones too, to say so
OCF_ERR_INSTALLED = 5
REEXEC_MARK = "HA_AGENTS_REEXEC"


def _reexec(name: str, why: str) -> None:
    py = os.environ.get("HA_AGENTS_PYTHON")
    if py and not os.environ.get(REEXEC_MARK):
        os.environ[REEXEC_MARK] = "1"
        try:
            os.execv(py, [py, *sys.argv])
        except OSError as exc:
            why = f"cannot run HA_AGENTS_PYTHON={py}: {exc.strerror}"
    sys.stderr.write(f"ERROR: {name}: {why}; install ha-agents (pip or the .deb)\n")
    raise SystemExit(OCF_ERR_INSTALLED)


def _problem(module: str, needs: tuple[str, ...]) -> str | None:
    """Why this interpreter cannot run the agent, or None."""
    if tuple(sys.version_info[:2]) < MIN_PYTHON:
        return f"Python {sys.version.split()[0]} is too old (ha_agents needs 3.11)"
    wanted = [module] if sys.argv[-1:] == ["meta-data"] else [module, *needs]
    for name in wanted:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"this Python ({sys.executable}) lacks a module ({exc})"
    return None


def main(name: str) -> None:
    """Run agent ``name`` as the calling script (never returns)."""
    module, cls, needs = AGENTS[name]
    problem = _problem(module, needs)
    if problem:
        _reexec(name, problem)
    from ha_agents.agent import run

    run(getattr(sys.modules[module], cls))
