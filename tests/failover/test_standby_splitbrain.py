"""hb_standby / hb_takeover exchanges, split brain after a partition, a frozen node that
resumes, the ping tie-breaker and the fencing hook — on a fake clock."""

from __future__ import annotations

import pytest

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import AutoFailback
from ha_agents.failover import events as ev
from ha_agents.failover.actions import Send
from ha_agents.failover.manager import LEGACY_REFUSAL
from ha_agents.node.cluster import VirtualCluster as Cluster
from ha_agents.wire.resource_msgs import AskInfo, AskResources, Hold, Starting
from tests.failover.builders import make_config

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
TWO = (("node1", G1), ("node2", G2))
KA = 0.1  # keepalive of make_config
OP = 0.05  # op_delay of Cluster


def pair(af: AutoFailback = AutoFailback.ON, groups=TWO, options=None, **kw) -> Cluster:  # type: ignore[no-untyped-def]
    c = Cluster(
        {n: make_config(n, groups=groups, auto_failback=af, **kw) for n in ("node1", "node2")},
        options=options,
    )
    c.start("node1")
    c.start("node2")
    c.run_until(1.0)
    assert c.owners(G1) == ["node1"]
    c.run_until(6.0)  # a node announces deadtime + 2 s in dt= for its first 5 s
    return c


@pytest.mark.parametrize(
    ("which", "g1", "g2"),
    [
        (Hold.ALL, ["node2"], ["node2"]),
        (Hold.LOCAL, ["node2"], ["node2"]),
        (Hold.FOREIGN, ["node1"], ["node2"]),
    ],
)
def test_standby_moves_the_named_resources_to_the_peer(which: Hold, g1, g2) -> None:  # type: ignore[no-untyped-def]
    c = pair(AutoFailback.OFF)
    c.admin("node1", {"cmd": "standby", "which": which.value})
    c.run_for(0.5)
    assert c.owners(G1) == g1 and c.owners(G2) == g2
    assert c.overlaps == []
    assert f"node1 wants to go standby [{which.value}]" in c.notices("node2")


def test_standby_all_log_and_wire_sequence_as_heartbeat() -> None:
    c = pair(AutoFailback.OFF)
    t0 = c.now
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})
    t = c.run_until_true(lambda: c.owners(G1) == ["node2"], 1.0, step=0.005)
    assert t - t0 < 0.5  # switchover well under half a second
    n1 = c.notices("node1")
    for text in (
        "Going standby [all].",
        "node1 wants to go standby [all]",
        "standby: node2 can take our all resources",
        "give up all HA resources (standby).",
        "all HA resource release completed (standby).",
        "Local standby process completed [all].",
        "Other node completed standby takeover of all resources.",
    ):
        assert text in n1
    n2 = c.notices("node2")
    assert "standby: acquire [all] resources from node1" in n2
    assert "Standby resource acquisition done [all]." in n2
    asks1 = [m for _, m in c.members["node1"].sent if isinstance(m, AskResources)]
    asks2 = [m for _, m in c.members["node2"].sent if isinstance(m, AskResources)]
    assert asks1 == [AskResources(Hold.ALL, AskInfo.ME), AskResources(Hold.ALL, AskInfo.DONE)]
    assert asks2 == [AskResources(Hold.ALL, AskInfo.OTHER), AskResources(Hold.ALL, AskInfo.DONE)]
    assert c.manager("node1").rscstatus() == "none"
    assert c.manager("node2").rscstatus() == "all"


@pytest.mark.parametrize(
    ("which", "g1", "g2"),
    [
        (Hold.ALL, ["node1"], ["node1"]),
        (Hold.LOCAL, ["node1"], ["node2"]),  # gets its own back after a standby all
        (Hold.FOREIGN, ["node2"], ["node1"]),
    ],
)
def test_takeover_asks_the_peer_to_go_standby_with_the_complement(which: Hold, g1, g2) -> None:  # type: ignore[no-untyped-def]
    c = pair(AutoFailback.OFF)
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})
    c.run_for(0.5)
    assert c.owners(G1) == ["node2"] and c.owners(G2) == ["node2"]
    c.admin("node1", {"cmd": "takeover", "which": which.value})
    c.run_for(0.5)
    assert c.owners(G1) == g1 and c.owners(G2) == g2
    assert f"node2 wants to go standby [{which.complement().value}]" in c.notices("node1")


def test_legacy_refuses_standby_and_takeover() -> None:
    c = pair(AutoFailback.LEGACY)
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})
    c.admin("node1", {"cmd": "takeover", "which": Hold.ALL.value})
    c.run_for(0.5)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    assert LEGACY_REFUSAL in c.notices("node1")
    assert LEGACY_REFUSAL in c.notices("node2")  # the hb_takeover message still went out


def test_standby_without_a_live_peer_is_refused() -> None:
    c = pair()
    c.power_off("node2")
    c.run_for(1.0)
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})
    c.run_for(0.5)
    assert c.owners(G1) == ["node1"]
    assert "No reply to standby request.  Standby request cancelled." in c.notices("node1")


@pytest.mark.parametrize("af", [AutoFailback.ON, AutoFailback.OFF])
def test_split_brain_heals_to_exactly_one_owner_within_one_keepalive(af: AutoFailback) -> None:
    c = pair(af)
    c.partition("node1", "node2")
    c.run_for(1.0)
    assert c.owners(G1) == ["node1", "node2"]  # both took over: the split brain
    assert c.owners(G2) == ["node1", "node2"]
    c.heal()
    t0 = c.now
    t = c.run_until_true(lambda: len(c.owners(G1)) == 1 and len(c.owners(G2)) == 1, 1.0, step=0.005)
    assert t - t0 <= KA + OP + 0.02
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]  # home node keeps
    c.run_for(2.0)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]  # and stays
    assert any(n == "node1" and k == G1 for _, n, k in c.reannounced)
    assert any(n == "node2" and k == G2 for _, n, k in c.reannounced)
    assert "Both machines own our resources!" in c.notices("node1")


def test_one_way_loss_split_brain_heals_although_only_one_side_saw_a_death() -> None:
    """node2 stops hearing node1 (node1 still hears node2): only node2 declares a death
    and takes over.  After the heal the keeper (node1, home) must tell node2 what it
    holds, or node2 never releases (found by bench/faults.py: two owners for 13 s+)."""
    c = pair(AutoFailback.ON, groups=(("node1", G1),))
    c.one_way("node1", "node2")
    c.run_for(1.0)
    assert c.owners(G1) == ["node1", "node2"]
    c.heal()
    t0 = c.now
    t = c.run_until_true(lambda: c.owners(G1) == ["node1"], 1.0, step=0.005)
    assert t - t0 <= 2 * KA + OP + 0.02
    c.run_for(2.0)
    assert c.owners(G1) == ["node1"]


def test_split_brain_with_the_home_node_not_holding_keeps_the_first_name() -> None:
    c = pair(AutoFailback.OFF, groups=(("node1", G1),))
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})
    c.run_for(0.5)
    assert c.owners(G1) == ["node2"]
    c.partition("node1", "node2")
    c.run_for(1.0)
    assert c.owners(G1) == ["node1", "node2"]
    c.heal()
    c.run_for(KA + OP + 0.05)
    assert c.owners(G1) == ["node1"]  # home node holds it again, so it keeps it


def test_frozen_owner_releases_before_announcing_then_fails_back() -> None:
    c = pair(AutoFailback.ON, groups=(("node1", G1),))
    c.freeze("node1")
    t_freeze = c.now
    c.run_for(1.5)  # three deadtimes
    assert c.owners(G1) == ["node1", "node2"]  # the frozen node cannot stop anything
    sent_before = len(c.members["node1"].sent)
    c.thaw("node1")
    t_thaw = c.now
    c.run_until_true(lambda: c.owners(G1) == ["node2"], 0.2, step=0.002)
    released_at = c.now
    first_after = [t for t, _ in c.members["node1"].sent[sent_before:]]
    assert not first_after or min(first_after) >= released_at - 0.002
    assert any("was frozen for" in n for n in c.notices("node1"))
    assert t_thaw - t_freeze == pytest.approx(1.5)
    # auto_failback on: the home node gets it back through the normal hand-back
    c.run_until_true(lambda: c.owners(G1) == ["node1"], 2.0)
    assert next(m for _, m in c.members["node1"].sent[sent_before:]) == Starting()
    overlaps_after = [o for o in c.overlaps if o[0] > t_thaw]
    assert overlaps_after == []


def test_frozen_node_without_live_peer_keeps_its_resources() -> None:
    c = pair(AutoFailback.ON, groups=(("node1", G1),))
    c.power_off("node2")
    c.run_for(1.0)
    c.freeze("node1")
    c.run_for(1.5)
    c.thaw("node1")
    c.run_for(0.5)
    assert c.owners(G1) == ["node1"]


def test_node_without_ping_does_not_take_over_until_ping_returns() -> None:
    c = pair(AutoFailback.ON, groups=(("node1", G1),), ping=True)
    c.lose_pings("node2")
    c.run_for(1.0)  # ping nodes silent for deadping (here deadtime): unreachable
    c.power_off("node1")
    c.run_for(1.5)
    assert c.owners(G1) == []
    assert "Not taking over resources from node1: ping nodes unreachable." in c.notices("node2")
    c.lose_pings("node2", lost=False)
    c.run_for(0.3)  # the next answer makes them reachable again
    assert c.owners(G1) == ["node2"]


def test_owner_losing_ping_gives_resources_to_the_peer() -> None:
    c = pair(AutoFailback.OFF, groups=(("node1", G1),), ping=True)
    c.lose_pings("node1")
    c.run_for(1.5)
    assert c.owners(G1) == ["node2"]
    assert c.overlaps == []


def test_peer_without_ping_refuses_to_take_resources() -> None:
    c = pair(AutoFailback.OFF, groups=(("node1", G1),), ping=True)
    c.lose_pings("node2")
    c.lose_pings("node1")
    c.run_for(3.0)
    assert c.owners(G1) == ["node1"]
    assert "Not accepting resources: ping nodes unreachable." in c.notices("node2")


def test_fencing_runs_before_takeover_and_prevents_split_brain() -> None:
    opts = {n: FailoverOptions(fence_command=("fence", "--hard")) for n in ("node1", "node2")}
    c = pair(AutoFailback.OFF, groups=(("node1", G1),), options=opts)
    c.partition("node1", "node2")  # cable cut: node1 still alive and holding
    c.run_for(1.0)
    assert {(n, target) for _, n, target in c.fence_calls} == {
        ("node1", "node2"),
        ("node2", "node1"),
    }  # a fencing race: exactly one survives and holds the group
    assert c.overlaps == []
    assert len(c.owners(G1)) == 1
    survivor = c.owners(G1)[0]
    other = {"node1": "node2", "node2": "node1"}[survivor]
    assert c.members[survivor].node is not None and c.members[other].node is None


def test_failed_fencing_blocks_takeover_and_retries() -> None:
    opts = {"node2": FailoverOptions(fence_command=("fence",), fence_retry_s=0.3)}
    c = pair(AutoFailback.OFF, groups=(("node1", G1),), options=opts)
    c.fence_ok = False
    c.power_off("node1")
    c.run_for(1.5)
    assert c.owners(G1) == []
    calls = [t for t, n, _ in c.fence_calls if n == "node2"]
    assert len(calls) >= 3  # retried
    assert any("Fencing of node1 failed" in n for n in c.notices("node2"))
    c.fence_ok = True
    c.run_for(0.6)
    assert c.owners(G1) == ["node2"]


def test_stale_death_verdict_after_a_freeze_is_rechecked_then_acted_on() -> None:
    """Resumed from a freeze, the first 'peer dead' may be our own stale view: it is
    deferred by deadtime; if the peer stays silent we take over then."""
    from ha_agents.failover.actions import AcquireGroup, ReleaseGroup
    from ha_agents.failover.manager import ResourceManager
    from ha_agents.wire.resource_msgs import Resource
    from tests.failover.builders import make_config

    m = ResourceManager(make_config("node1", groups=(("node1", G1),)))
    assert m.handle(ev.CommUp((), 0.0)) == [Send(Starting(), "comm up with a peer")]
    out = m.handle(ev.MessageIn("node2", Resource(Hold.NONE, isstable=True), 0.01))
    assert AcquireGroup(G1, "our own groups") in out
    m.handle(ev.GroupDone(G1, True, True, 0.06))
    for t in (0.1, 0.15, 0.2):
        m.handle(ev.Tick(t))
    out = m.handle(ev.PeerDead("node2", 2.0))  # first event after a 1.8 s freeze
    assert ReleaseGroup(G1, "resumed after a freeze") in out
    assert not any(isinstance(a, AcquireGroup) for a in out)
    m.handle(ev.GroupDone(G1, False, True, 2.05))
    assert m.handle(ev.Tick(2.3)) == []  # still within the grace
    out = m.handle(ev.Tick(2.55))
    assert AcquireGroup(G1, "take over from node2") in out or AcquireGroup(G1, "our own") in out
