"""The ping tie-breaker and the fencing hook on real nodes in network namespaces."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab import Host, Lab, wait_until
from tests.lab.cluster import ClusterSpec, LabNode, start_ha_agents, vip_holders

pytestmark = pytest.mark.netns
VIP = "192.0.2.50"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


def _pair(lab: Lab, spec: ClusterSpec) -> tuple[Host, Host, LabNode, LabNode]:
    h1 = lab.add_host("n1", "192.0.2.11/24")
    h2 = lab.add_host("n2", "192.0.2.12/24")
    n1 = start_ha_agents(lab, h1, "node1", spec)
    n2 = start_ha_agents(lab, h2, "node2", spec)
    assert wait_until(lambda: vip_holders([h1, h2], VIP) == ["n1"], 10), n1.log()[-2000:]
    assert n1.wait_steady() and n2.wait_steady()  # past the start-up dt grace
    return h1, h2, n1, n2


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("fg") as lab:
        yield lab


def test_owner_that_loses_its_ping_node_hands_the_vip_over(lab: Lab) -> None:
    spec = ClusterSpec(NODES, auto_failback="off", ping=("192.0.2.1",))  # the lab bridge
    h1, h2, n1, _n2 = _pair(lab, spec)
    # n1 can no longer reach the ping node; heartbeats still flow
    h1.run(["nft", "add", "table", "ip", "fg"])
    h1.run(["nft", "add chain ip fg out { type filter hook output priority 0 ; }"])
    h1.run(["nft", "add", "rule", "ip", "fg", "out", "ip", "daddr", "192.0.2.1", "drop"])
    assert wait_until(lambda: vip_holders([h1, h2], VIP) == ["n2"], 10), n1.log()[-3000:]
    assert "Ping nodes unreachable." in n1.log()


def test_takeover_waits_for_the_fencing_command(lab: Lab) -> None:
    allow = lab.tmpdir / "fence-allowed"
    script = lab.tmpdir / "fence.sh"
    script.write_text(f'#!/bin/sh\necho "fence $1" >> {lab.tmpdir}/fenced\ntest -e {allow}\n')
    script.chmod(0o755)
    spec = ClusterSpec(NODES, fence_command=(str(script),), fence_retry_s=0.5)
    h1, h2, n1, n2 = _pair(lab, spec)
    n1.kill(signal.SIGKILL)
    h1.link_down()
    time.sleep(2.0)
    assert "n2" not in vip_holders([h2], VIP)  # fencing failed: no takeover
    assert "Fencing of node1 failed" in n2.log()
    allow.touch()
    assert wait_until(lambda: vip_holders([h2], VIP) == ["n2"], 5), n2.log()[-3000:]
    assert (lab.tmpdir / "fenced").read_text().splitlines()[-1] == "fence node1"
