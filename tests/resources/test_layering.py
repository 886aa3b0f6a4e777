"""The decision modules of ha_agents.resources and of our agents import no I/O.

Edges (runner, escalation, cli_support; an agent's netlink, garp, inprocess, agent) may;
everything else must stay testable with fakes.  resources/ is the caller side only: it
never imports an agent (ha_agents.agents imports resources, not the other way round).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ha_agents"
PURE = [
    "resources/agents",
    "resources/env",
    "resources/group",
    "resources/heartbeat",
    "resources/lsb",
    "resources/ocf",
    "resources/outcome",
    "resources/resolution",
    "resources/testagent",
    "agents/ipaddr/logic",
    "agents/httpd/servers",
    "config/search",
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
    "ha_agents.agents.ipaddr.netlink",
    "ha_agents.agents.ipaddr.garp",
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


def test_resources_never_import_an_agent() -> None:
    bad = {
        f"{path.name}: {n}"
        for path in sorted((PKG / "resources").glob("*.py"))
        for n in imports(path)
        if n == "ha_agents.agents" or n.startswith("ha_agents.agents.")
    }
    assert bad == set()
