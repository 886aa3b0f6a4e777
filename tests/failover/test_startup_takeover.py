"""Start-up, initdead, takeover on peer death, failback (auto_failback on/off/legacy),
shutdown hand-off — the Heartbeat 3.0.6 behaviour of protocol.md §2-6, on a fake clock."""

from __future__ import annotations

from ha_agents.config.model import AutoFailback
from ha_agents.failover import events as ev
from ha_agents.node.cluster import VirtualCluster as Cluster
from ha_agents.wire.resource_msgs import (
    Hold,
    IpRequest,
    IpRequestResp,
    Resource,
    Starting,
    Stonith,
    StonithResult,
)
from tests.failover.builders import make_config

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
TWO = (("node1", G1), ("node2", G2))


def cluster(af: AutoFailback = AutoFailback.ON, groups=(("node1", G1),), **kw) -> Cluster:  # type: ignore[no-untyped-def]
    return Cluster(
        {n: make_config(n, groups=groups, auto_failback=af, **kw) for n in ("node1", "node2")}
    )


def test_startup_alone_waits_initdead_then_takes_everything() -> None:
    c = cluster(groups=TWO)
    c.start("node1")
    c.run_until(0.9)
    assert c.owners(G1) == [] and c.owners(G2) == []
    c.run_until(1.2)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node1"]
    sent = [m for _, m in c.members["node1"].sent]
    assert sent == [
        Starting(),
        Stonith("node2", StonithResult.NOT_CONFIGURED),
        Resource(Hold.FOREIGN, info="mach_down"),
        Resource(Hold.ALL, info="req_our_resources()", isstable=True, rtype="full"),
    ]
    notes = c.notices("node1")
    assert "Resources being acquired from node2." in notes
    assert "Initial resource acquisition complete (mach_down)" in notes
    assert c.manager("node1").rscstatus() == "all"


def test_single_node_config_takes_its_groups_at_once() -> None:
    c = Cluster({"solo": make_config("solo", nodes=("solo",), groups=(("solo", G1),))})
    c.start("solo")
    c.run_until(0.1)
    assert c.owners(G1) == ["solo"]


def test_both_nodes_starting_together_each_take_their_own() -> None:
    c = cluster(groups=TWO)
    c.start("node1")
    c.start("node2")
    c.run_until(0.5)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    assert c.manager("node1").rscstatus() == "local"
    assert c.overlaps == []


def _alone_then_join(af: AutoFailback) -> Cluster:
    c = cluster(af, groups=TWO)
    c.start("node1")
    c.run_until(1.5)
    assert c.owners(G2) == ["node1"]
    c.start("node2")
    c.run_for(2.0)
    return c


def test_join_with_auto_failback_on_hands_the_home_group_back() -> None:
    c = _alone_then_join(AutoFailback.ON)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    assert "node1 wants to go standby [foreign]" in c.notices("node1")
    assert "Initial resource acquisition complete (auto_failback)" in c.notices("node2")
    assert c.overlaps == []


def test_join_with_auto_failback_off_leaves_groups_where_they_are() -> None:
    c = _alone_then_join(AutoFailback.OFF)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node1"]
    assert "Initial resource acquisition complete (T_RESOURCES(them))" in c.notices("node2")


def test_join_with_legacy_uses_ip_request() -> None:
    c = _alone_then_join(AutoFailback.LEGACY)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    asked = [m for _, m in c.members["node2"].sent if isinstance(m, IpRequest)]
    assert asked == [IpRequest(G2)]
    assert IpRequestResp("node2", G2, weown=True) in [m for _, m in c.members["node1"].sent]
    assert "received ip-request-resp IPaddr::192.0.2.51 OK yes" in c.notices("node2")
    sent1 = [m for _, m in c.members["node1"].sent]
    assert not any(isinstance(m, (Starting, Resource)) for m in sent1)
    assert c.overlaps == []


def _running_pair(af: AutoFailback) -> Cluster:
    c = cluster(af)
    c.start("node1")
    c.start("node2")
    c.run_until(1.0)
    assert c.owners(G1) == ["node1"]
    c.run_until(6.0)  # a node announces deadtime + 2 s in dt= for its first 5 s
    return c


def test_power_loss_takeover_after_deadtime_not_before() -> None:
    c = _running_pair(AutoFailback.ON)
    t0 = c.now
    c.power_off("node1")
    c.run_until(t0 + 0.45)
    assert c.owners(G1) == []
    t = c.run_until_true(lambda: c.owners(G1) == ["node2"], 1.0)
    assert 0.5 <= t - t0 <= 0.5 + 0.1 + 0.05 + 0.03
    notes = c.notices("node2")
    assert "mach_down: Taking over resource group IPaddr::192.0.2.50" in notes
    assert "No STONITH device configured." in notes
    assert c.manager("node2").rscstatus() == "all"


def _restart_owner(af: AutoFailback) -> Cluster:
    c = _running_pair(af)
    c.power_off("node1")
    c.run_for(1.0)
    assert c.owners(G1) == ["node2"]
    c.start("node1")
    c.run_for(2.0)
    return c


def test_failback_on_returns_the_group_to_its_home() -> None:
    c = _restart_owner(AutoFailback.ON)
    assert c.owners(G1) == ["node1"]
    assert "Initial resource acquisition complete (auto_failback)" in c.notices("node1")
    assert c.overlaps == []


def test_failback_off_keeps_the_group_on_the_survivor() -> None:
    c = _restart_owner(AutoFailback.OFF)
    assert c.owners(G1) == ["node2"]
    assert "Initial resource acquisition complete (T_RESOURCES(them))" in c.notices("node1")


def test_failback_legacy_returns_the_group_via_ip_request() -> None:
    c = _restart_owner(AutoFailback.LEGACY)
    assert c.owners(G1) == ["node1"]
    assert c.overlaps == []


def test_orderly_shutdown_hands_over_at_once_without_overlap() -> None:
    c = _running_pair(AutoFailback.ON)
    t0 = c.now
    c.stop("node1")
    t = c.run_until_true(lambda: c.owners(G1) == ["node2"], 1.0, step=0.005)
    assert t - t0 < 0.5  # well before deadtime: no waiting for death
    assert c.overlaps == []
    assert "Resources being acquired from node1." in c.notices("node2")
    assert "All HA resources relinquished." in c.notices("node1")
    c.run_for(1.0)  # deadtime later confirms the death without fencing
    assert "Dead node node1 gave up resources." in c.notices("node2")
    assert Stonith("node1", StonithResult.UNNEEDED) in [m for _, m in c.members["node2"].sent]
    assert c.owners(G1) == ["node2"]


def test_shutdown_of_the_idle_node_moves_nothing() -> None:
    c = _running_pair(AutoFailback.ON)
    c.stop("node2")
    c.run_for(1.5)
    assert c.owners(G1) == ["node1"]


def test_failed_start_on_takeover_node_is_cleaned_up_and_reported() -> None:
    c = _running_pair(AutoFailback.ON)
    c.fail_start.add(("node2", G1))
    c.power_off("node1")
    c.run_for(1.5)
    assert c.owners(G1) == []
    ops = [(n, op, k) for _, n, op, k in c.ops if n == "node2"]
    assert ops[-2:] == [("node2", "start", G1), ("node2", "stop", G1)]
    assert any("failed to start" in n for n in c.notices("node2"))
    status = c.manager("node2").status()
    assert status.groups[0].state == "failed" and status.groups[0].owner is None


def test_tick_only_events_do_nothing_before_comm_up() -> None:
    c = cluster()
    c.start("node1")
    c.run_until(0.5)
    assert c.members["node1"].sent == []
    assert c.manager("node1").handle(ev.Tick(0.6)) == []
