"""A drop-in node (the heartbeat package's /etc/ha.d, its stock resource.d/IPaddr run
in-process) reports in ``status --json`` when its last dead verdict came and when the
stock IPaddr put the address up: the figures bench/perf.py prints as verdict -> address."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.cluster import STOCK_HA_D, ClusterSpec, LabNode, vip_holders
from tests.lab.netns import Lab
from tests.lab.waiting import wait_until

pytestmark = [
    pytest.mark.netns,
    pytest.mark.skipif(
        not Path(STOCK_HA_D, "resource.d", "IPaddr").exists() and os.environ.get("CI") != "true",
        reason="needs the Debian heartbeat package's /etc/ha.d (make deps; under CI it fails)",
    ),
]
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("dt") as lab:
        yield lab


def _timing(node: LabNode) -> dict[str, float | None]:
    doc = node.doc()
    assert doc is not None, node.log()[-2000:]
    timing = doc["timing"]
    assert isinstance(timing, dict), doc
    return timing


def test_stock_ipaddr_takeover_times_the_address_after_the_verdict(lab: Lab) -> None:
    spec = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000)
    hosts = [lab.add_host("n1", lab.cidr(11)), lab.add_host("n2", lab.cidr(12))]
    nodes = [LabNode(lab, h, n, spec, stock_ha_d=True) for h, n in zip(hosts, NODES, strict=True)]
    for node in nodes:
        node.start()
    assert wait_until(lambda: vip_holders(hosts, spec.vip) == ["n1"], 30), nodes[0].log()[-2000:]
    assert wait_until(lambda: _timing(nodes[1])["dead_verdict"] is None, 5)
    assert _timing(nodes[1])["address_added"] is None  # node2 has put up nothing yet
    for pid in nodes[0].pids():
        os.kill(pid, signal.SIGKILL)
    # node1 died with the address still on its interface (no one removed it): look at n2
    assert wait_until(lambda: "n2" in vip_holders(hosts, spec.vip), 15), nodes[1].log()[-2000:]
    timing = _timing(nodes[1])
    dead, added = timing["dead_verdict"], timing["address_added"]
    assert dead is not None and added is not None, timing
    assert 0 <= added - dead < 1.0, timing
