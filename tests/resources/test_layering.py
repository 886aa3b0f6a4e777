"""The decision modules of ha_agents.resources import no I/O (STYLE.md P1, P10).

Edges (runner, netlink, garp, the *_agent command modules, inprocess, escalation,
cli_support, install) may; everything else must stay testable with fakes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ha_agents" / "resources"
PURE = [
    "agents",
    "env",
    "group",
    "heartbeat",
    "httpd",
    "ipaddr",
    "lsb",
    "ocf",
    "outcome",
    "testagent",
]
FORBIDDEN = {
    "asyncio",
    "socket",
    "subprocess",
    "time",
    "pyroute2",
    "psutil",
    "threading",
    "selectors",
    "ha_agents.daemon",
    "ha_agents.cli",
    "ha_agents.commands",
    "ha_agents.resources.runner",
    "ha_agents.resources.netlink",
    "ha_agents.resources.garp",
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("name", PURE)
def test_pure_resource_module_imports_no_io(name: str) -> None:
    bad = {
        n
        for n in imports(PKG / f"{name}.py")
        if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)
    }
    assert bad == set(), f"{name}.py imports {sorted(bad)}"
