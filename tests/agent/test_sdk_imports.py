"""The SDK needs only the standard library: an agent's meta-data then works with any
Python 3.11 that can see the package (ocf-tester runs it as user nobody, Heartbeat with
its own PATH), and importing it starts nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ha_agents"
# The SDK, and the agents built on it alone, and the start-up their entry files import
# with any Python (agents/ipaddr/ needs pyroute2 for its kernel calls).
SDK_FILES = [
    *sorted((PKG / "agent").glob("*.py")),
    PKG / "agents" / "__init__.py",
    PKG / "agents" / "shim.py",
    *sorted((PKG / "agents" / "redis").glob("*.py")),
    *sorted((PKG / "agents" / "httpd").glob("*.py")),
]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", SDK_FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_sdk_module_imports_only_stdlib_and_itself(path: Path) -> None:
    outside = {
        n for n in _imports(path) if n not in sys.stdlib_module_names and n != "ha_agents"
    } - {"__future__"}
    assert not outside, f"{path.name} imports {outside}"
    deps = {
        line.strip()
        for line in path.read_text().splitlines()
        if line.startswith(("from ha_agents", "import ha_agents"))
    }
    assert all(d.startswith(("from ha_agents.agent", "from ha_agents.agents.")) for d in deps), deps


def test_sdk_meta_data_runs_with_the_system_python() -> None:
    """/usr/bin/python3 without any site packages, ha_agents found on PYTHONPATH only."""
    if not Path("/usr/bin/python3").exists():
        pytest.skip("no system python3")
    code = (
        "from ha_agents.agents.redis.agent import Redis\n"
        "from ha_agents.agent import meta_data\n"
        "print(meta_data(Redis))"
    )
    res = subprocess.run(
        ["/usr/bin/python3", "-S", "-c", code],
        env={"PYTHONPATH": str(PKG.parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert '<resource-agent name="redis"' in res.stdout
