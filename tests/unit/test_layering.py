"""The pure core never imports I/O: sockets, clocks, subprocesses, netlink, the daemon.

STYLE.md P1/P2/P10: config, wire, membership and failover decide; daemon/ and the
command modules act.  This walks the AST of every core module, so a stray
``import time`` in a decision module fails CI instead of silently making the engine
untestable with a fake clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ha_agents"
CORE = ["config", "wire", "membership", "failover", "api"]
FORBIDDEN = {
    "asyncio",
    "socket",
    "subprocess",
    "time",
    "pyroute2",
    "psutil",
    "selectors",
    "threading",
    "ha_agents.daemon",
    "ha_agents.cli",
    "ha_agents.commands",
    "tests.lab",
}
# Edge modules inside a core package that are allowed to touch the OS (file reading).
EDGE_MODULES = {"config/load.py"}


def _core_files() -> list[Path]:
    files: list[Path] = []
    for pkg in CORE:
        root = PKG / pkg
        if root.is_dir():
            files.extend(sorted(root.rglob("*.py")))
    return [f for f in files if str(f.relative_to(PKG)) not in EDGE_MODULES]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(PKG)))
def test_core_module_imports_no_io(path: Path) -> None:
    rel = str(path.relative_to(PKG))
    bad = sorted(n for n in _imports(path) if _forbidden(n))
    assert bad == [], f"{rel} imports I/O modules {bad}; move that code to the edge"


def test_layering_check_finds_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import time\nfrom asyncio import sleep\nimport json\n")
    assert sorted(n for n in _imports(sample) if _forbidden(n)) == ["asyncio", "time"]
