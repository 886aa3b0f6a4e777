"""The ground-truthed corpus under tests/data/configs and the machine it was run on."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from ha_agents.config.load import RealHost

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "configs"  # named cases
GENERATED = REPO / "tests" / "data" / "generated_configs"  # probes and random configs


def groundtruth_module() -> ModuleType:
    """tools/groundtruth.py (materialise() and run_case() are shared with the tests)."""
    name = "ha_agents_groundtruth_tool"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "groundtruth.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def cases() -> list[Path]:
    """Every ground-truthed case, named ones first."""
    out: list[Path] = []
    for d in (CORPUS, GENERATED):
        if d.is_dir():
            out += sorted(p for p in d.iterdir() if (p / "expected.json").exists())
    return out


def expected(case: Path) -> dict[str, object]:
    data = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class GroundTruthHost(RealHost):
    """The machine of tools/groundtruth.py: a fresh network namespace holding
    ``lo``, ``eth0`` (192.0.2.11/24, broadcast) and ``eth1`` (up, no address); files,
    devices, programs and /etc/hosts are this machine's, as in the ground-truth run."""

    IFACES = frozenset({"lo", "eth0", "eth1"})
    WITH_IPV4 = frozenset({"lo", "eth0"})

    def interface_exists(self, name: str) -> bool:
        return name in self.IFACES

    def has_broadcast(self, name: str) -> bool:
        return name in self.WITH_IPV4

    def has_ipv4(self, name: str) -> bool:
        return name in self.WITH_IPV4
