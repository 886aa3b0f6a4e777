"""When the daemon may stop waking for each datagram (``Node.quiet``) and which addresses
its socket filter lets through (``Node.peer_sources``), on the virtual cluster."""

from __future__ import annotations

from ha_agents.node.cluster import VirtualCluster
from ha_agents.node.node import Node

from .builders import make_cluster


def _settled() -> VirtualCluster:
    vc = make_cluster()
    vc.start("node1")
    vc.start("node2")
    vc.run_for(20.0)
    return vc


def _node(vc: VirtualCluster, name: str) -> Node:
    node = vc.members[name].node
    assert node is not None
    return node


def test_a_settled_pair_is_quiet_and_filters_on_the_peer_address() -> None:
    vc = _settled()
    for name, peer in (("node1", "node2"), ("node2", "node1")):
        node = _node(vc, name)
        assert node.quiet(vc.now)
        sources = node.peer_sources(vc.links[0])
        assert sources is not None and len(sources) == 1
        assert node.engine.peers[peer].links[vc.links[0]].source in sources


def test_an_exchange_is_not_quiet_until_a_deadtime_after_it() -> None:
    vc = _settled()
    assert vc.admin("node1", {"cmd": "standby", "which": "all"})["ok"]
    node2 = _node(vc, "node2")
    vc.run_for(0.05)
    assert not _node(vc, "node1").quiet(vc.now) and not node2.quiet(vc.now)
    vc.run_for(20.0)
    assert node2.quiet(vc.now)


def test_a_dead_peer_opens_the_filter_and_ends_quiet() -> None:
    vc = _settled()
    vc.power_off("node2")
    vc.run_for(10.0)
    node1 = _node(vc, "node1")
    assert node1.peer_sources(vc.links[0]) is None
    assert not node1.quiet(vc.now)
