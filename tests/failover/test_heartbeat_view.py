"""What a Heartbeat 3.0.6 peer believes we hold, from the ``t=resource`` messages we send.

Heartbeat (hb_resource.c, process_resources) keeps ``other_holds_resources``: a message
with ``rtype=full`` replaces it, one without is ORed in (``none`` clears), and
AuditResources logs ``ERROR: Both machines own our resources!`` whenever it holds its
local groups while believing the peer holds foreign ones.  After every exchange, the
belief built from our messages by that rule must equal what the sending manager holds.
"""

from __future__ import annotations

import pytest

from ha_agents.config.model import AutoFailback
from ha_agents.failover import events as ev
from ha_agents.failover.actions import Action, Notice, ReleaseGroup, Send
from ha_agents.failover.manager import ResourceManager
from ha_agents.node.cluster import VirtualCluster as Cluster
from ha_agents.wire.resource_msgs import Hold, Resource
from tests.failover.builders import make_config

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
BITS = {Hold.NONE: 0, Hold.LOCAL: 1, Hold.FOREIGN: 2, Hold.ALL: 3}
HOLD = {v: k for k, v in BITS.items()}


def heartbeat_view(c: Cluster, sender: str) -> Hold:
    """Fold the sender's resource messages as Heartbeat's HB_UPD_RSC does."""
    held = 0
    for _, msg in c.members[sender].sent:
        if not isinstance(msg, Resource):
            continue
        new = BITS[msg.rsc_hold]
        held = new if msg.rtype == "full" or new == 0 else held | new
    return HOLD[held]


def actual(c: Cluster, node: str) -> Hold:
    m = c.manager(node)
    return Hold.of(m.s.hold_local, m.s.hold_foreign)


def settle(c: Cluster) -> None:
    c.run_for(1.5)


@pytest.fixture
def cluster() -> Cluster:
    configs = {
        n: make_config(n, groups=(("node1", G1), ("node2", G2)), auto_failback=AutoFailback.ON)
        for n in ("node1", "node2")
    }
    c = Cluster(configs)
    c.start("node1")
    c.run_until(1.5)  # node1 alone: it takes both groups
    c.start("node2")
    settle(c)  # node2 joins: auto_failback hands G2 back
    assert c.owners(G1) == ["node1"] and c.owners(G2) == ["node2"]
    return c


# (where, what, which, owner of G1, owner of G2 afterwards)
STEPS: list[tuple[str, type[ev.Standby] | type[ev.Takeover], Hold, str, str]] = [
    ("node1", ev.Standby, Hold.ALL, "node2", "node2"),
    ("node2", ev.Standby, Hold.FOREIGN, "node1", "node2"),  # = standby failback
    ("node2", ev.Standby, Hold.LOCAL, "node1", "node1"),
    ("node1", ev.Standby, Hold.FOREIGN, "node1", "node2"),
    ("node2", ev.Takeover, Hold.ALL, "node2", "node2"),
    ("node1", ev.Takeover, Hold.LOCAL, "node1", "node2"),
]


def test_a_heartbeat_peer_always_knows_what_we_hold(cluster: Cluster) -> None:
    c = cluster
    for node, kind, which, g1, g2 in STEPS:
        step = (node, kind.__name__, which.value)
        c.admin(
            node, {"cmd": "standby" if kind is ev.Standby else "takeover", "which": which.value}
        )
        settle(c)
        assert (c.owners(G1), c.owners(G2)) == ([g1], [g2]), step
        for sender in ("node1", "node2"):
            assert heartbeat_view(c, sender) == actual(c, sender), (*step, sender)


def test_the_standby_release_announcement_is_a_full_update(cluster: Cluster) -> None:
    c = cluster
    c.admin("node1", {"cmd": "standby", "which": Hold.ALL.value})  # node2 now holds all
    settle(c)
    c.admin(
        "node2", {"cmd": "standby", "which": Hold.FOREIGN.value}
    )  # node2 gives G1 back, keeps local
    settle(c)
    sent = [m for _, m in c.members["node2"].sent if isinstance(m, Resource)]
    standby = [m for m in sent if m.info == "standby" and m.isstable is False]
    assert standby[-1] == Resource(Hold.LOCAL, info="standby", isstable=False, rtype="full")
    assert all(m.rtype == "full" for m in sent if m.info != "mach_down")


def _ticks(m: ResourceManager, t0: float, t1: float) -> list[Action]:
    out: list[Action] = []
    t = t0
    while t < t1:
        t = round(t + 0.1, 3)
        out += m.handle(ev.Tick(t))
    return out


def _split_brain_on_node2(peer_says: Resource | None) -> list[Action]:
    """node2 holds G2, sees node1 die, takes G1, hears node1 again, which announces that
    it holds all (a Heartbeat node that never saw node2 die).  node2 keeps its home
    group G2 (keeper rule) and gives G1 back.  Then node1 says ``peer_says`` (or
    nothing) and time passes: the actions of that last part."""
    m = ResourceManager(make_config("node2", groups=(("node1", G1), ("node2", G2))))
    m.handle(ev.CommUp((), 0.0))
    m.handle(ev.MessageIn("node1", Resource(Hold.LOCAL, None, True, "full"), 0.1))
    m.handle(ev.GroupDone(G2, True, True, 0.2))
    _ticks(m, 0.2, 5.0)
    m.handle(ev.PeerDead("node1", 5.0))
    m.handle(ev.GroupDone(G1, True, True, 5.1))
    _ticks(m, 5.1, 6.0)
    m.handle(ev.PeerAlive("node1", 6.0))
    acts = m.handle(ev.MessageIn("node1", Resource(Hold.ALL, None, True, "full"), 6.1))
    assert ReleaseGroup(G1, "lost split brain") in acts
    assert not [a for a in acts if isinstance(a, ReleaseGroup) and a.key == G2]
    m.handle(ev.GroupDone(G1, False, True, 6.2))
    out: list[Action] = []
    if peer_says is not None:
        out += m.handle(ev.MessageIn("node1", peer_says, 6.5))
    return out + _ticks(m, 6.5, 10.0)


def test_a_peer_that_keeps_a_group_we_kept_after_a_split_brain_gets_it() -> None:
    out = _split_brain_on_node2(None)  # node1 never gives way (Heartbeat never does)
    assert [a for a in out if isinstance(a, ReleaseGroup)] == [
        ReleaseGroup(G2, "peer keeps it after split brain")
    ]
    assert any(
        isinstance(a, Notice) and a.text.endswith("node1 still holds it; releasing it here.")
        for a in out
    )


@pytest.mark.parametrize(
    "says",
    [
        Resource(Hold.NONE, "shutdown", False, "full"),  # Heartbeat restarting itself
        Resource(Hold.LOCAL, "split-brain", False, "full"),  # ha_agents giving way
    ],
)
def test_a_peer_that_gives_way_leaves_us_the_group(says: Resource) -> None:
    out = _split_brain_on_node2(says)
    assert [a for a in out if isinstance(a, ReleaseGroup)] == []


def test_after_a_partition_we_announce_a_transition_so_a_heartbeat_peer_answers() -> None:
    """Heartbeat answers a peer's announcement with its own only when that peer turns
    from unstable to stable (process_resources); after a one-sided partition it still
    thinks us stable, so we say isstable=0 and then isstable=1."""
    m = ResourceManager(make_config("node2", groups=(("node1", G1), ("node2", G2))))
    m.handle(ev.CommUp((), 0.0))
    m.handle(ev.MessageIn("node1", Resource(Hold.LOCAL, None, True, "full"), 0.1))
    m.handle(ev.GroupDone(G2, True, True, 0.2))
    _ticks(m, 0.2, 5.0)
    m.handle(ev.PeerDead("node1", 5.0))
    m.handle(ev.GroupDone(G1, True, True, 5.1))
    _ticks(m, 5.1, 6.0)
    sent = [a.message for a in m.handle(ev.PeerAlive("node1", 6.0)) if isinstance(a, Send)]
    assert sent == [
        Resource(Hold.ALL, "partition", False, "full"),
        Resource(Hold.ALL, "partition", True, "full"),
    ]
