"""The import DAG of the product (docs/layout.md): one folder per concern, the pure
folders first, every edge on top.

Each package of ha_agents/ has a rank; a module may import only its own package and
packages of a lower rank, so there is no cycle and no pure folder reaches an edge.  The
pure folders also never import I/O (sockets, clocks, subprocesses, netlink, threads):
their decisions take the time and the messages as inputs.  This walks the AST of every
module, so a stray import fails CI instead of silently bending the layering.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ha_agents"

#: package (or top-level module) -> rank; imports go from a higher rank to a lower one.
RANKS = {
    "notice": 0,
    "config": 0,
    "wire": 1,
    "agent": 1,
    "resources": 2,
    "membership": 2,
    "failover": 2,
    "api": 2,
    "node": 3,
    "agents": 3,
    "status": 4,
    "export": 5,
    "daemon": 5,
    "commands": 6,
    "cli": 7,
    "compat": 8,
    "__main__": 8,
    "__init__": 0,  # the version
}
PURE = ("config", "wire", "membership", "failover", "api", "node", "status")
IO_MODULES = (
    "asyncio",
    "socket",
    "subprocess",
    "time",
    "pyroute2",
    "psutil",
    "selectors",
    "threading",
    "tests",
)
#: Inside a pure folder, the one module that reads the files and asks the machine
#: (interfaces, devices, users) for ``check`` and ``run``.
EDGE_MODULES = {"config/load.py"}


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _unit(path: Path) -> str:
    """The package (first folder) of a module, or the module name at the top."""
    parts = path.relative_to(PKG).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "ha_agents":  # a submodule, or a name of ha_agents/__init__.py
                for alias in node.names:
                    sub = (PKG / alias.name).is_dir() or (PKG / f"{alias.name}.py").exists()
                    names.add(f"ha_agents.{alias.name if sub else '__init__'}")
    return names


def _target(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "ha_agents":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def violations(path: Path) -> list[str]:
    unit = _unit(path)
    out = []
    for name in sorted(_imports(path)):
        target = _target(name)
        if target is not None and target != unit and RANKS[target] >= RANKS[unit]:
            out.append(f"{name} (rank {RANKS[target]} >= {unit}'s {RANKS[unit]})")
        pure = unit in PURE and str(path.relative_to(PKG)) not in EDGE_MODULES
        if pure and any(name == m or name.startswith(m + ".") for m in IO_MODULES):
            out.append(f"{name} (I/O in the pure folder {unit}/)")
    return out


def test_every_package_has_a_rank() -> None:
    assert sorted({_unit(p) for p in _modules()} - RANKS.keys()) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_module_imports_follow_the_layering(path: Path) -> None:
    assert violations(path) == []


def test_the_check_finds_an_upward_and_an_io_import(tmp_path: Path) -> None:
    sample = PKG / "membership" / "engine.py"
    text = "import time\nfrom ha_agents.daemon import loop\nfrom ha_agents.config import model\n"
    fake = tmp_path / "engine.py"
    fake.write_text(text)
    found = [v for v in _check_text(fake, sample)]
    assert found == [
        "ha_agents.daemon (rank 5 >= membership's 2)",
        "time (I/O in the pure folder membership/)",
    ]


def _check_text(fake: Path, where: Path) -> list[str]:
    """violations() of ``fake``'s text as if it stood at ``where``."""
    unit = _unit(where)
    out = []
    for name in sorted(_imports(fake)):
        target = _target(name)
        if target is not None and target != unit and RANKS[target] >= RANKS[unit]:
            out.append(f"ha_agents.{target} (rank {RANKS[target]} >= {unit}'s {RANKS[unit]})")
        if unit in PURE and any(name == m or name.startswith(m + ".") for m in IO_MODULES):
            out.append(f"{name} (I/O in the pure folder {unit}/)")
    return out
