"""The log lines issue 20 names, on the pure core (fake clock): Heartbeat's words and
levels where Heartbeat logs a line for the event, one line per event where ha_agents
does what Heartbeat never did."""

from __future__ import annotations

from ha_agents.config.model import AutoFailback
from ha_agents.failover.standby import NO_REPLY
from ha_agents.membership.events import Start, Tick
from ha_agents.node.cluster import VirtualCluster as Cluster
from ha_agents.notice import Level
from ha_agents.wire.resource_msgs import Hold
from tests.failover.builders import make_config
from tests.membership.helpers import make_engine, rx, status, texts

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
TWO = (("node1", G1), ("node2", G2))


def started(**timers: int):  # type: ignore[no-untyped-def]
    eng = make_engine("node1", 100, **timers)
    eng.handle(Start(0.0))
    return eng


def pair(af: AutoFailback = AutoFailback.ON) -> Cluster:
    c = Cluster({n: make_config(n, groups=TWO, auto_failback=af) for n in ("node1", "node2")})
    c.start("node1")
    c.start("node2")
    c.run_until(6.0)  # joined, past the first 5 s (dt= deadtime + 2 s)
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    return c


def lines(c: Cluster, node: str, since: float = 0.0) -> list[str]:
    return [f"{n.level.value}: {n.text}" for t, n in c.members[node].notices if t >= since]


def loud(c: Cluster, node: str, since: float = 0.0) -> list[str]:
    return [line for line in lines(c, node, since) if not line.startswith(("info", "debug"))]


def standby(c: Cluster, node: str) -> None:
    c.admin(node, {"cmd": "standby", "which": Hold.ALL.value})


def test_standby_without_a_peer_is_heartbeats_no_reply_at_once() -> None:
    c = pair()
    c.power_off("node2")
    c.run_for(2.0)
    t = c.now
    standby(c, "node1")
    c.run_for(0.5)
    assert lines(c, "node1", t) == [
        "info: Going standby [all].",
        "info: node1 wants to go standby [all]",
        f"WARN: {NO_REPLY}",
        "info: Not done: standby [all]: no active peer to take the resources.",
    ]
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node1"]


def test_standby_while_resources_move_is_heartbeats_in_flux() -> None:
    c = pair()
    c.power_off("node2")
    c.run_until_true(lambda: "Resources being acquired from node2." in c.notices("node1"), 3.0)
    t = c.now
    standby(c, "node1")  # node1 is starting node2's group: its resources are in flux
    c.run_for(0.5)
    assert loud(c, "node1", t) == [
        "WARN: standby message [me] from node1 ignored.  local resources in flux."
    ]
    assert "info: Not done: standby [all]: resource transition in progress." in lines(c, "node1", t)


def test_standby_during_a_standby_exchange_is_heartbeats_in_progress() -> None:
    c = pair(AutoFailback.OFF)
    c.manager("node1").s.standby_timeout = 30.0  # a peer that takes its time to answer
    c.partition("node1", "node2")  # the request goes unanswered
    standby(c, "node1")
    t = c.now
    standby(c, "node1")
    assert loud(c, "node1", t) == [
        "WARN: Standby in progress- new request from node1 ignored [30 seconds left]"
    ]


def test_an_unanswered_standby_is_cancelled_with_heartbeats_line() -> None:
    c = pair(AutoFailback.OFF)
    c.one_way("node1", "node2")  # node2 never hears the request
    t = c.now
    standby(c, "node1")
    c.run_for(3.0)
    assert f"WARN: {NO_REPLY}" in loud(c, "node1", t)


def test_split_brain_is_logged_once_per_heal_without_crit_for_the_verdict() -> None:
    c = pair()
    c.partition("node1", "node2")
    c.run_for(1.0)
    t = c.now
    c.heal()
    c.run_for(3.0)  # many announcements while the loser releases
    for node in ("node1", "node2"):
        out = loud(c, node, t)
        assert sum("Split brain on" in line for line in out) == 2, out  # one per group
        assert all(line.startswith("WARN") for line in out if "Split brain on" in line)
        assert sum(line.startswith("ERROR: Both machines own") for line in out) == 2, out
        crit = [line for line in out if line.startswith("CRIT")]
        assert crit == [f"CRIT: Cluster node {'node2' if node == 'node1' else 'node1'} "
                        "returning after partition."], crit  # fmt: skip
    c.partition("node1", "node2")  # a second split brain is logged again
    c.run_for(1.0)
    t = c.now
    c.heal()
    c.run_for(1.0)
    assert sum("Split brain on" in line for line in loud(c, "node1", t)) == 2


def test_a_frozen_node_steps_back_with_one_warning() -> None:
    c = pair()
    c.freeze("node1")
    c.run_for(1.5)
    t = c.now
    c.thaw("node1")
    c.run_for(2.0)
    frozen = [n for tt, n in c.members["node1"].notices if tt >= t and "was frozen" in n.text]
    assert [n.level for n in frozen] == [Level.WARN]


def test_a_peer_first_heard_after_initdead_is_no_partition() -> None:
    """node1 came up alone and declared node2 dead at initdead; node2 then starts: the
    first time it is heard is a start, not a return (Heartbeat logs nothing special)."""
    eng = started(keepalive=100, deadtime=500, warntime=250, initdead=1000)
    assert "WARN: node node2: is dead" in texts(eng.handle(Tick(1.1)))
    out = texts(eng.handle(rx(status("node2", 1), 5.0)))
    assert not [t for t in out if t.startswith(("CRIT", "ERROR"))], out
    assert out  # heard: its status is logged


def test_a_partition_return_is_one_crit_and_heartbeats_hint() -> None:
    eng = started(keepalive=100, deadtime=500, warntime=250, initdead=1000)
    eng.handle(rx(status("node2", 1), 0.2))
    ticks = [line for i in range(1, 30) for line in texts(eng.handle(Tick(i / 10)))]
    assert "WARN: node node2: is dead" in ticks
    out = texts(eng.handle(rx(status("node2", 2), 3.0)))
    out += texts(eng.handle(rx(status("node2", 3), 3.1)))
    assert [t for t in out if not t.startswith(("info", "debug"))] == [
        "CRIT: Cluster node node2 returning after partition.",
        "WARN: Deadtime value may be too small.",
    ]
