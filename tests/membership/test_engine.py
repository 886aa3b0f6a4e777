"""Membership engine, fake clock: every transition, timing to the millisecond."""

from __future__ import annotations

import pytest

from ha_agents.membership.actions import (
    Level,
    LinkStateChanged,
    LocalActive,
    NodeDead,
    NodeReturned,
    NodeStatusChanged,
    NodeUp,
    Notice,
    PeerShutdown,
    Resend,
    Send,
    Upcall,
)
from ha_agents.membership.events import PacketRejected, SendMessage, Shutdown, Start, Tick
from ha_agents.membership.snapshot import MembershipSnapshot, NodeView
from ha_agents.membership.states import (
    IllegalTransition,
    LinkStatus,
    NodeStatus,
    PeerEvent,
    PeerState,
    peer_transition,
)

from .helpers import ADDRS, UUIDS, envelope, make_engine, rx, sends, status, texts


def node_view(snap: MembershipSnapshot, name: str) -> NodeView:
    (view,) = [n for n in snap.nodes if n.name == name]
    return view


def test_snapshot_lists_every_node_in_hacf_order_this_node_included() -> None:
    eng = make_engine(local="node2", nodes=("node1", "node2", "node3"))
    assert [n.name for n in eng.snapshot(0.0).nodes] == ["node1", "node2", "node3"]
    assert [n.state for n in eng.snapshot(0.0).nodes][1] == "local"


def started(**kw: object):  # type: ignore[no-untyped-def]
    eng = make_engine(**kw)  # type: ignore[arg-type]
    eng.handle(Start(0.0))
    return eng


def test_start_sends_init_then_up_and_marks_own_links_up() -> None:
    eng = make_engine()
    acts = eng.handle(Start(0.0))
    assert acts == [
        Send((("t", "status"), ("st", "init"), ("dt", "1f40"), ("protocol", "1")), 1, "start"),
        Notice(Level.INFO, "Local status now set to: 'up'", (("status", "up"),)),
        Send(
            (("t", "status"), ("st", "up"), ("dt", "1f40"), ("protocol", "1")),
            2,
            "local status changed",
        ),
        Notice(
            Level.INFO,
            "Link node1:eth0 up.",
            (("event", "link_up"), ("node", "node1"), ("link", "eth0")),
        ),
    ]
    assert eng.status is NodeStatus.UP
    assert eng.handle(Start(1.0)) == []  # a second start changes nothing


def test_keepalive_is_drift_free_and_dt_drops_to_deadtime_after_5s() -> None:
    eng = started()
    assert eng.next_deadline() == 1.0
    assert eng.handle(Tick(0.999)) == []
    (s,) = sends(eng.handle(Tick(1.0)))
    assert s.seq == 3 and ("st", "up") in s.body and ("dt", "1f40") in s.body
    # a late tick (loop delayed 300 ms) still schedules the next status at 3.0, not 3.3
    assert len(sends(eng.handle(Tick(2.3)))) == 1
    assert eng.next_deadline() == 3.0
    eng.handle(Tick(3.0)), eng.handle(Tick(4.0))
    (s,) = sends(eng.handle(Tick(5.0)))
    assert ("dt", "1770") in s.body  # 6000 ms once the first 5 s are over


def test_keepalive_50ms_sends_exactly_20_per_second() -> None:
    eng = started(keepalive=50, deadtime=500, warntime=200, initdead=1000)
    count = 0
    for i in range(1, 1001):
        count += len([s for s in sends(eng.handle(Tick(i / 1000))) if s.msgtype == "status"])
    assert count == 20


def test_initdead_declares_silent_peer_dead_to_the_ms_then_goes_active() -> None:
    eng = started()
    for t in range(1, 12):
        eng.handle(Tick(float(t)))
    assert eng.handle(Tick(11.999))[:1] == []
    acts = eng.handle(Tick(12.0))
    assert texts(acts) == [
        "WARN: node node2: is dead",
        "info: Comm_now_up(): updating status to active",
        "info: Local status now set to: 'active'",
    ]
    assert NodeDead("node2", "silent for deadtime") in acts
    assert LocalActive(("node2",), "initdead over") in acts
    assert [s.body[1] for s in sends(acts)] == [("st", "active")]
    assert eng.status is NodeStatus.ACTIVE
    assert node_view(eng.snapshot(12.0), "node2").status == "dead"


def test_single_node_cluster_goes_active_at_once() -> None:
    eng = make_engine(nodes=("node1",))
    acts = eng.handle(Start(0.0))
    assert eng.status is NodeStatus.ACTIVE
    assert LocalActive((), "all peers heard") in acts


def test_peer_heard_while_both_starting_brings_us_active_without_reqnodes() -> None:
    eng = started()
    acts = eng.handle(rx(status("node2", 2, st="up"), 1.5))
    assert texts(acts) == [
        "info: Link node2:eth0 up.",
        "info: Status update for node node2: status up",
        "info: Comm_now_up(): updating status to active",
        "info: Local status now set to: 'active'",
    ]
    assert NodeUp("node2", "heard") in acts
    assert LinkStateChanged("node2", "eth0", LinkStatus.UP, "heard") in acts
    assert NodeStatusChanged("node2", None, NodeStatus.UP, "status message") in acts
    assert [s.msgtype for s in sends(acts)] == ["status"]
    assert eng.peers["node2"].state is PeerState.ALIVE


def test_joining_an_active_peer_asks_reqnodes_and_waits_for_repnodes() -> None:
    eng = started()
    acts = eng.handle(rx(status("node2", 40), 1.0))
    (req,) = sends(acts)
    assert req.body == (("t", "reqnodes"), ("dest", "node2"), ("destuuid", UUIDS["node2"]))
    assert req.seq == 3 and eng.status is NodeStatus.UP
    rep = envelope(
        (
            ("dest", "node1"),
            ("t", "repnodes"),
            ("nodelist", "node1 node2 "),
            ("delnodelist", " "),
            ("destuuid", UUIDS["node1"]),
        ),
        "node2",
        41,
        200,
    )
    acts = eng.handle(rx(rep, 1.1))
    assert eng.status is NodeStatus.ACTIVE
    assert LocalActive((), "all peers heard") in acts


def test_reqnodes_addressed_to_us_is_answered_with_repnodes_in_heartbeat_field_order() -> None:
    eng = started()
    req = envelope(
        (("t", "reqnodes"), ("dest", "node1"), ("destuuid", UUIDS["node1"])), "node2", 3, 200
    )
    (rep,) = [s for s in sends(eng.handle(rx(req, 2.0))) if s.msgtype == "repnodes"]
    assert rep.body == (
        ("dest", "node2"),
        ("t", "repnodes"),
        ("nodelist", "node1 node2 "),
        ("delnodelist", " "),
        ("destuuid", UUIDS["node2"]),
    )


def test_deadtime_to_the_millisecond_marks_node_and_link_dead() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    eng.handle(Tick(1.0))
    eng.handle(rx(status("node2", 2), 2.0))
    eng.handle(Tick(2.0))
    assert eng.next_deadline() == 3.0  # our next keepalive; the peer is due at 8.0
    for t in range(3, 8):
        eng.handle(Tick(float(t)))
    assert texts(eng.handle(Tick(7.999))) == []
    acts = eng.handle(Tick(8.0))
    assert texts(acts) == ["WARN: node node2: is dead", "info: Link node2:eth0 dead."]
    assert NodeDead("node2", "silent for deadtime") in acts
    assert LinkStateChanged("node2", "eth0", LinkStatus.DEAD, "silent") in acts
    assert (
        NodeStatusChanged("node2", NodeStatus.ACTIVE, NodeStatus.DEAD, "silent for deadtime")
        in acts
    )
    assert texts(eng.handle(Tick(9.0))) == []  # no repeats
    assert not [a for a in eng.handle(Tick(10.0)) if isinstance(a, NodeDead)]


def test_dead_peer_heard_again_same_generation_returns_after_partition() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    eng.handle(Tick(7.0))
    acts = eng.handle(rx(status("node2", 9), 20.0))
    assert "CRIT: Cluster node node2 returning after partition." in texts(acts)
    assert NodeUp("node2", "heard") in acts
    assert "WARN: Deadtime value may be too small." in texts(acts)
    # once per event: no second CRIT 'Late heartbeat ... (> deadtime)' for the same return
    assert [t for t in texts(acts) if t.startswith("CRIT")] == [
        "CRIT: Cluster node node2 returning after partition."
    ]


def test_peer_never_heard_before_initdead_is_just_up_when_heard() -> None:
    """Heartbeat logs 'returning after partition' only for a node it heard before with
    the same generation; a node declared dead at initdead and heard later is just up."""
    eng = started()
    for t in range(1, 13):
        eng.handle(Tick(float(t)))
    acts = eng.handle(rx(status("node2", 1), 20.0))
    assert NodeUp("node2", "heard") in acts
    assert not [t for t in texts(acts) if t.startswith(("CRIT", "ERROR"))], texts(acts)


def test_late_heartbeat_warns_after_warntime_to_the_ms() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    assert texts(eng.handle(rx(status("node2", 2), 4.0))) == []  # exactly warntime: fine
    acts = eng.handle(rx(status("node2", 3), 7.001))
    assert texts(acts) == ["WARN: Late heartbeat: Node node2: interval 3001 ms"]


def test_duplicate_is_dropped_and_counted_and_not_a_heartbeat() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    assert eng.handle(rx(status("node2", 1), 5.0)) == []
    assert eng.counters["duplicate"] == 1
    assert eng.peers["node2"].last_heard == 1.0


def test_lower_generation_is_a_replay_and_higher_a_restart() -> None:
    eng = started()
    eng.handle(rx(status("node2", 5, hg=200), 1.0))
    acts = eng.handle(rx(status("node2", 6, hg=199), 1.5))
    assert texts(acts) == [
        "ERROR: should_drop_message: attempted replay attack [node2]? [gen = 199, curgen = 200]"
    ]
    assert eng.counters["replay_old_generation"] == 1
    acts = eng.handle(rx(status("node2", 1, hg=201, st="init"), 2.0))
    assert texts(acts)[0] == "info: Heartbeat restart on node node2"
    assert NodeReturned("node2", 200, 201, "higher generation") in acts
    assert eng.peers["node2"].seq.hg == 201
    # the old generation's seq 7 is now a replay
    assert eng.handle(rx(status("node2", 7, hg=200), 2.1)) != []
    assert eng.counters["replay_old_generation"] == 2


def test_gap_sends_one_rexmit_per_missing_seq_repeats_then_gives_up() -> None:
    eng = started()
    eng.handle(rx(status("node2", 17), 1.0))
    eng.handle(Tick(1.0))
    acts = eng.handle(rx(status("node2", 20), 1.1))
    assert "WARN: 2 lost packet(s) for [node2] [17:20]" in texts(acts)
    reqs = [s for s in sends(acts) if s.msgtype == "NS_rexmit"]
    assert [s.body for s in reqs] == [
        (
            ("t", "NS_rexmit"),
            ("dest", "node2"),
            ("firstseq", "18"),
            ("lastseq", "18"),
            ("destuuid", UUIDS["node2"]),
        ),
        (
            ("t", "NS_rexmit"),
            ("dest", "node2"),
            ("firstseq", "19"),
            ("lastseq", "19"),
            ("destuuid", UUIDS["node2"]),
        ),
    ]
    assert all(s.seq is None for s in reqs)
    assert eng.next_deadline() == pytest.approx(1.35)
    assert sends(eng.handle(Tick(1.349))) == []
    assert len(sends(eng.handle(Tick(1.35)))) == 2  # repeated after max_rexmit_delay
    acts = eng.handle(rx(status("node2", 18), 1.4))
    assert "info: No pkts missing from node2!" not in texts(acts)
    acts = eng.handle(rx(status("node2", 19), 1.5))
    assert "info: No pkts missing from node2!" in texts(acts)
    # an unanswered gap is requested max_rexmit_tries times, then given up
    eng.handle(rx(status("node2", 22), 2.0))
    n = 1
    t = 2.0
    while eng.peers["node2"].rexmit and t < 5:
        t += 0.25
        n += len([s for s in sends(eng.handle(Tick(t))) if s.msgtype == "NS_rexmit"])
    assert n == 5 and eng.counters["rexmit_given_up"] == 1
    assert eng.peers["node2"].seq.ackseq == 22


def test_ns_rexmit_addressed_to_us_is_answered_with_resend_of_each_seq() -> None:
    eng = started()
    for t in range(1, 5):
        eng.handle(Tick(float(t)))
    req = envelope(
        (
            ("t", "NS_rexmit"),
            ("dest", "node1"),
            ("firstseq", "3"),
            ("lastseq", "4"),
            ("destuuid", UUIDS["node1"]),
        ),
        "node2",
        None,
        200,
    )
    assert eng.handle(rx(req, 4.5)) == [
        Resend(3, "NS_rexmit from node2"),
        Resend(4, "NS_rexmit from node2"),
    ]
    other = envelope(
        (("t", "NS_rexmit"), ("dest", "node3"), ("firstseq", "3"), ("lastseq", "4")),
        "node2",
        None,
        200,
    )
    assert eng.handle(rx(other, 4.6)) == []
    never = envelope(
        (("t", "NS_rexmit"), ("dest", "node1"), ("firstseq", "50"), ("lastseq", "60")),
        "node2",
        None,
        200,
    )
    assert eng.handle(rx(never, 4.7)) == []  # we never sent those
    hexa = envelope(
        (("t", "NS_rexmit"), ("dest", "node1"), ("firstseq", "a"), ("lastseq", "a")),
        "node2",
        None,
        200,
    )
    assert eng.handle(rx(hexa, 4.8)) == []  # firstseq/lastseq are decimal
    assert eng.counters["malformed"] == 1


def test_unknown_node_forged_self_and_own_echo_are_dropped_and_counted() -> None:
    eng = started()
    acts = eng.handle(rx(status("mallory", 1), 1.0, source="192.0.2.66"))
    assert texts(acts) == ["WARN: Dropped message from unknown node [mallory] at 192.0.2.66"]
    assert eng.handle(rx(status("mallory", 2), 1.1, source="192.0.2.66")) == []  # logged once
    acts = eng.handle(rx(status("node1", 1), 1.2, source="192.0.2.66"))
    assert texts(acts) == [
        "ERROR: Dropped message claiming to be from this node [node1] "
        "from foreign address 192.0.2.66"
    ]
    assert eng.handle(rx(status("node1", 1), 1.3, source=ADDRS["node1"])) == []
    assert eng.counters == {"unknown_node": 2, "forged_self": 1, "own_echo": 1}


def test_a_live_peers_name_from_another_address_is_dropped_as_a_spoof() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    acts = eng.handle(rx(status("node2", 2), 2.0, source="192.0.2.99"))
    assert texts(acts) == [
        "ERROR: Dropped message claiming to be from node [node2] from 192.0.2.99 on eth0: "
        "it is alive at 192.0.2.12"
    ]
    assert eng.handle(rx(status("node2", 3), 2.5, source="192.0.2.99")) == []  # logged once
    assert eng.counters["source_mismatch"] == 2 and eng.peers["node2"].last_heard == 1.0
    assert eng.peers["node2"].seq.highest == 1  # the spoof consumed no sequence number


def test_source_address_change_after_deadtime_silence_is_logged_and_accepted() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    eng.handle(Tick(7.5))  # deadtime (6 s) of silence: node2 is dead
    acts = eng.handle(rx(status("node2", 2), 8.0, source="192.0.2.99"))
    assert (
        "WARN: Source address of node node2 on link eth0 changed from 192.0.2.12 to 192.0.2.99"
        in texts(acts)
    )
    assert eng.counters["source_changed"] == 1 and eng.peers["node2"].last_heard == 8.0


def test_malformed_and_rejected_packets_are_counted() -> None:
    eng = started()
    eng.handle(rx(envelope((("t", "status"),), "node2", 1, 200), 1.0))  # no st
    eng.handle(PacketRejected("bad_digest", "eth0", "192.0.2.12", 1.0))
    bad = envelope((("t", "status"),), "node2", None, 200)
    bad = type(bad)(tuple((k, "zz" if k == "hg" else v) for k, v in bad.fields))
    assert eng.handle(rx(bad, 1.0)) == []
    assert eng.counters == {"malformed": 2, "bad_digest": 1}


def test_one_link_of_two_cut_keeps_node_alive_and_marks_link_dead() -> None:
    eng = started(devs=("eth0", "eth1"))
    for t in range(1, 20):
        eng.handle(rx(status("node2", t), float(t), link="eth0"))
        if t < 5:
            eng.handle(rx(status("node2", t), float(t) + 0.001, link="eth1"))  # duplicate copy
        acts = eng.handle(Tick(float(t) + 0.5))
        if t == 10:
            assert texts(acts) == ["info: Link node2:eth1 dead."]
    snap = eng.snapshot(20.0)
    peer = node_view(snap, "node2")
    assert peer.status == "active"
    assert [(lv.name, lv.status) for lv in peer.links] == [
        ("eth0", LinkStatus.UP),
        ("eth1", LinkStatus.DEAD),
    ]


def test_shutdown_sends_shutdone_and_peer_sees_clean_leave_then_dead() -> None:
    eng = started()
    (done,) = sends(eng.handle(Shutdown(3.0)))
    assert done.body == (("t", "shutdone"), ("st", "dead")) and done.seq == 3
    assert eng.handle(Tick(4.0)) == [] and eng.next_deadline() is None
    peer = started()
    peer.handle(rx(status("node2", 1), 1.0))
    acts = peer.handle(rx(envelope(done.body, "node2", 2, 200), 3.0))
    assert texts(acts) == ["info: Received shutdown notice from 'node2'."]
    assert PeerShutdown("node2", "shutdone") in acts
    assert node_view(peer.snapshot(3.0), "node2").status == "dead"
    acts = peer.handle(Tick(9.0))
    assert NodeDead("node2", "silent for deadtime", clean=True) in acts


def test_upcalls_are_delivered_in_sender_seq_order() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    r3 = envelope((("t", "resource"), ("rsc_hold", "all")), "node2", 3, 200)
    r2 = envelope((("t", "ask_resources"), ("rsc_hold", "all"), ("info", "me")), "node2", 2, 200)
    assert [a for a in eng.handle(rx(r3, 1.1)) if isinstance(a, Upcall)] == []
    ups = [a for a in eng.handle(rx(r2, 1.2)) if isinstance(a, Upcall)]
    assert [(u.msgtype, u.message) for u in ups] == [("ask_resources", r2), ("resource", r3)]
    for_other = envelope((("t", "ip-request-resp"), ("dest", "node3")), "node2", 4, 200)
    assert [a for a in eng.handle(rx(for_other, 1.3)) if isinstance(a, Upcall)] == []


def test_send_message_gets_seq_and_destuuid() -> None:
    eng = started()
    eng.handle(rx(status("node2", 1), 1.0))
    (s,) = eng.handle(
        SendMessage(
            (
                ("t", "ip-request-resp"),
                ("dest", "node2"),
                ("ipaddr", "x"),
                ("weown", "yes"),
                ("ok", "OK"),
            ),
            1.5,
        )
    )
    assert isinstance(s, Send) and s.seq == 4
    assert s.body[-1] == ("destuuid", UUIDS["node2"])


def test_ackmsg_every_ten_messages_of_a_peer() -> None:
    eng = started()
    acks = []
    for i in range(1, 21):
        acks += [
            s
            for s in sends(eng.handle(rx(status("node2", i), i * 0.1)))
            if s.msgtype == "NS_ackmsg"
        ]
    assert [s.body for s in acks] == [
        (("t", "NS_ackmsg"), ("dest", "node2"), ("ackseq", f"{n:x}"), ("destuuid", UUIDS["node2"]))
        for n in (10, 20)
    ]


def test_illegal_transition_raises() -> None:
    with pytest.raises(IllegalTransition):
        peer_transition(PeerState.DEAD, PeerEvent.SILENT)
    assert peer_transition(PeerState.UNKNOWN, PeerEvent.HEARD) is PeerState.ALIVE


def test_peer_deadtime_follows_its_announced_dt_within_two_seconds_grace() -> None:
    eng = started()
    early = envelope(
        (("t", "status"), ("st", "up"), ("dt", "1f40"), ("protocol", "1")), "node2", 1, 200
    )  # a peer in its first seconds: dt = deadtime + 2 s
    eng.handle(rx(early, 1.0))
    assert not [a for a in eng.handle(Tick(8.999)) if isinstance(a, NodeDead)]
    assert [a for a in eng.handle(Tick(9.0)) if isinstance(a, NodeDead)]
    eng2 = started()
    huge = envelope(
        (("t", "status"), ("st", "up"), ("dt", "fffffff"), ("protocol", "1")), "node2", 1, 200
    )
    eng2.handle(rx(huge, 1.0))
    assert [a for a in eng2.handle(Tick(9.0)) if isinstance(a, NodeDead)]  # capped


def test_dead_peer_restarting_is_up_again_and_reported_as_restart() -> None:
    eng = started()
    eng.handle(rx(status("node2", 7, hg=200), 1.0))
    eng.handle(Tick(7.0))  # declared dead
    acts = eng.handle(rx(status("node2", 1, hg=201, st="init"), 9.0))
    assert texts(acts) == [
        "info: Heartbeat restart on node node2",
        "info: Link node2:eth0 up.",
        "info: Status update for node node2: status init",
    ]
    assert NodeReturned("node2", 200, 201, "higher generation") in acts
    assert NodeUp("node2", "heard") in acts
    assert eng.peers["node2"].state is PeerState.ALIVE


def test_peer_that_shut_down_and_restarts_within_deadtime_is_alive_not_dead() -> None:
    eng = started()
    eng.handle(rx(status("node2", 3, hg=200), 1.0))
    eng.handle(rx(envelope((("t", "shutdone"), ("st", "dead")), "node2", 4, 200), 1.5))
    assert eng.peers["node2"].state is PeerState.LEAVING
    acts = eng.handle(rx(status("node2", 1, hg=201, st="init"), 3.0))
    assert NodeReturned("node2", 200, 201, "higher generation") in acts
    assert eng.peers["node2"].state is PeerState.ALIVE
    assert node_view(eng.snapshot(3.0), "node2").status == "init"
    assert not [a for a in eng.handle(Tick(7.6)) if isinstance(a, NodeDead)]


def test_a_resumed_node_does_not_call_the_peers_heartbeats_late() -> None:
    """Frozen (SIGSTOP) for longer than deadtime: the peer's next heartbeat is late only
    by our own freeze; Heartbeat logs CRIT 'Late heartbeat' there, we do not."""
    eng = started()
    t = 1.0
    for seq in range(1, 20):  # node2 heard every second, our ticks in between
        eng.handle(rx(status("node2", seq), t))
        eng.handle(Tick(t + 0.5))
        t += 1.0
    frozen = t + 30.0  # nothing ran here for 30 s, far over deadtime
    assert texts(eng.handle(rx(status("node2", 20), frozen))) == []
    eng.handle(Tick(frozen + 0.5))
    late = eng.handle(rx(status("node2", 21), frozen + 4.0))  # the peer's own late one
    assert texts(late) == ["WARN: Late heartbeat: Node node2: interval 4000 ms"]
