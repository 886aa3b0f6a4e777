"""A real daemon runs realtime as Heartbeat does (ha.cf ``realtime``/``rtprio``), while
the resource scripts it starts run at normal priority (SCHED_RESET_ON_FORK)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.lab.cluster import ClusterSpec, LabNode
from tests.lab.netns import Lab
from tests.lab.waiting import wait_until

pytestmark = pytest.mark.netns
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
POLICY_SCRIPT = """#!/bin/sh
# heartbeat class: record the scheduling policy a resource script runs with
out="$(dirname "$0")/../policy.out"
case "$1" in
  start) chrt -p $$ > "$out" ;;
  stop) rm -f "$out" ;;
  status) if [ -f "$out" ]; then echo running; else echo stopped; fi ;;
esac
exit 0
"""


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("rt") as lab:
        yield lab


def _node(lab: Lab, extra: str) -> LabNode:
    spec = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000, extra_resources=("policy",))
    node = LabNode(lab, lab.add_host("n1", lab.cidr(11)), "node1", spec)
    with open(node.config_dir / "ha.cf", "a") as f:
        f.write(extra)
    script = node.config_dir / "resource.d" / "policy"
    script.parent.mkdir(exist_ok=True)
    script.write_text(POLICY_SCRIPT)
    script.chmod(0o755)
    node.start()
    return node


def _status(node: LabNode) -> dict[str, object]:
    doc: dict[str, object] = json.loads(node.ctl("status", "--json").stdout or "{}")
    return doc


@pytest.mark.parametrize(
    ("extra", "policy", "priority"),
    [("", "fifo", 50), ("rtprio 20\n", "fifo", 20), ("realtime off\n", "other", 0)],
)
def test_daemon_runs_realtime_as_hacf_says_and_its_scripts_do_not(
    lab: Lab, extra: str, policy: str, priority: int
) -> None:
    node = _node(lab, extra)
    out = node.config_dir / "policy.out"
    assert wait_until(lambda: out.exists() and "policy" in out.read_text(), 20), node.log()[-2000:]
    assert "SCHED_OTHER" in out.read_text()
    realtime = _status(node)["realtime"]
    assert isinstance(realtime, dict)
    assert (realtime["policy"], realtime["priority"]) == (policy, priority)
    if policy == "fifo":
        assert "Realtime priority" in node.log()
