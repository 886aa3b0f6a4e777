"""The failover manager on the real membership engine (both pure), two nodes on a fake
clock: takeover, shutdown hand-off, standby over the admin request, split-brain heal."""

from __future__ import annotations

from ha_agents.config.model import AutoFailback
from ha_agents.node.cluster import VirtualCluster as Stack
from tests.failover.builders import make_config as stack_config

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
TWO = (("node1", G1), ("node2", G2))


def pair(af: AutoFailback = AutoFailback.ON) -> Stack:
    s = Stack({n: stack_config(n, groups=TWO, auto_failback=af) for n in ("node1", "node2")})
    s.start("node1")
    s.start("node2")
    s.run_until(1.5)
    assert s.owners(G1) == ["node1"] and s.owners(G2) == ["node2"]
    s.run_until(6.0)  # a node announces deadtime + 2 s in dt= for its first 5 s
    return s


def test_power_loss_then_failback_on_the_membership_engine() -> None:
    s = pair()
    t0 = s.now
    s.power_off("node1")
    t = s.run_until_true(lambda: s.owners(G1) == ["node2"], 2.0)
    assert 0.5 - 0.1 <= t - t0 <= 0.5 + 0.05 + 0.02  # deadtime after the last heartbeat
    assert "node node1: is dead" in s.notices("node2")
    t1 = s.now
    s.start("node1")
    s.run_until_true(lambda: s.owners(G1) == ["node1"], 3.0)
    assert s.now - t1 < 0.3  # auto_failback on: back home at once
    assert s.overlaps == []


def test_orderly_stop_hands_over_before_deadtime() -> None:
    s = pair()
    t0 = s.now
    s.stop("node1")
    t = s.run_until_true(lambda: s.owners(G1) == ["node2"], 2.0)
    assert t - t0 < 0.3
    assert s.overlaps == []


def test_standby_and_takeover_over_admin_requests() -> None:
    s = pair(AutoFailback.OFF)
    assert s.admin("node1", {"cmd": "standby", "which": "all"}) == {
        "ok": True,
        "message": "Going standby [all].",
    }
    s.run_until_true(lambda: s.owners(G1) == ["node2"] and s.owners(G2) == ["node2"], 1.0)
    assert s.admin("node1", {"cmd": "rscstatus"}) == {"ok": True, "rscstatus": "none"}
    s.admin("node1", {"cmd": "takeover", "which": "local"})
    s.run_until_true(lambda: s.owners(G1) == ["node1"], 1.0)
    assert s.owners(G2) == ["node2"]
    assert s.overlaps == []
    assert s.admin("node1", {"cmd": "standby", "which": "bogus"}) == {
        "ok": False,
        "error": "wrong resources(bogus).",
    }


def test_legacy_admin_refusal_text() -> None:
    s = pair(AutoFailback.LEGACY)
    reply = s.admin("node1", {"cmd": "standby", "which": "all"})
    assert reply == {"ok": False, "error": "Standby mode only implemented when nice_failback on"}


def test_cable_cut_heals_to_one_owner_per_group_within_a_keepalive() -> None:
    s = pair()
    s.cut("node1")
    s.run_for(1.0)
    assert s.owners(G1) == ["node1", "node2"]
    s.reconnect("node1")
    t0 = s.now
    s.run_until_true(lambda: len(s.owners(G1)) == 1 and len(s.owners(G2)) == 1, 1.0)
    assert s.now - t0 <= 0.1 + 0.05 + 0.02
    s.run_for(2.0)
    assert s.owners(G1) == ["node1"] and s.owners(G2) == ["node2"]


def test_hang_and_resume_releases_first_then_fails_back() -> None:
    s = pair()
    s.freeze("node1")
    s.run_for(1.5)
    assert s.owners(G1) == ["node1", "node2"]
    s.thaw("node1")
    s.run_until_true(lambda: s.owners(G1) == ["node2"], 0.3)
    assert any("was frozen for" in t for t in s.notices("node1"))
    s.run_until_true(lambda: s.owners(G1) == ["node1"], 3.0)
    s.run_for(1.0)
    assert s.owners(G1) == ["node1"] and s.owners(G2) == ["node2"]
