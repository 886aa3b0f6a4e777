"""Ping nodes as membership members (pure engine, fake clock)."""

from __future__ import annotations

from dataclasses import replace

from ha_agents.config.model import Location, PingNode
from ha_agents.membership.actions import LinkStateChanged, NodeStatusChanged
from ha_agents.membership.engine import Engine
from ha_agents.membership.events import PingHeard, Start, Tick
from ha_agents.membership.states import LinkStatus, NodeStatus
from tests.membership.helpers import make_config

LOC = Location("ha.cf", 9)


def engine() -> Engine:
    cfg = make_config("node1")
    pings = (
        PingNode("192.0.2.1", ("192.0.2.1",), LOC),
        PingNode("grp", ("192.0.2.7", "192.0.2.8"), LOC, True),
    )
    cfg = replace(cfg, hacf=replace(cfg.hacf, ping_nodes=pings, deadping_ms=2000, initdead_ms=3000))
    eng = Engine(cfg, 1, b"\x01" * 16)
    eng.handle(Start(0.0))
    return eng


def changes(actions: list) -> list[tuple[str, str]]:
    return [
        (a.node, a.new.value)
        for a in actions
        if isinstance(a, NodeStatusChanged | LinkStateChanged)
    ]


def test_reply_makes_a_ping_node_and_silence_kills_it() -> None:
    eng = engine()
    assert changes(eng.handle(PingHeard("192.0.2.1", 0.5))) == [
        ("192.0.2.1", "up"),
        ("192.0.2.1", "ping"),
    ]
    assert changes(eng.handle(PingHeard("192.0.2.1", 1.0))) == []
    assert eng.next_deadline() <= 3.0
    assert changes(eng.handle(Tick(2.9))) == []
    assert ("192.0.2.1", "dead") in changes(eng.handle(Tick(3.0)))


def test_group_lives_while_any_member_answers_and_never_heard_dies_at_initdead() -> None:
    eng = engine()
    assert ("grp", "ping") in changes(eng.handle(PingHeard("192.0.2.8", 2.0)))
    out = eng.handle(Tick(3.0))
    assert ("192.0.2.1", "dead") in changes(out) and ("grp", "dead") not in changes(out)
    views = {n.name: n for n in eng.snapshot(3.0).nodes}
    assert (views["grp"].type, views["grp"].status) == ("ping", "ping")
    assert views["192.0.2.1"].links[0].status is LinkStatus.DEAD
    assert NodeStatus.PING.value == "ping"
