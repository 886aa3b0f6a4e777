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
from ha_agents.failover.messages import Hold, Resource
from tests.failover.sim import Cluster, make_config

G1 = "IPaddr::192.0.2.50"
G2 = "IPaddr::192.0.2.51"
BITS = {Hold.NONE: 0, Hold.LOCAL: 1, Hold.FOREIGN: 2, Hold.ALL: 3}
HOLD = {v: k for k, v in BITS.items()}


def heartbeat_view(c: Cluster, sender: str) -> Hold:
    """Fold the sender's resource messages as Heartbeat's HB_UPD_RSC does."""
    held = 0
    for _, msg in c.nodes[sender].sent:
        if not isinstance(msg, Resource):
            continue
        new = BITS[msg.rsc_hold]
        held = new if msg.rtype == "full" or new == 0 else held | new
    return HOLD[held]


def actual(c: Cluster, node: str) -> Hold:
    m = c.manager(node)
    return Hold.of(m.hold_local, m.hold_foreign)


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
        c.admin(node, kind(which, c.now))
        settle(c)
        assert (c.owners(G1), c.owners(G2)) == ([g1], [g2]), step
        for sender in ("node1", "node2"):
            assert heartbeat_view(c, sender) == actual(c, sender), (*step, sender)


def test_the_standby_release_announcement_is_a_full_update(cluster: Cluster) -> None:
    c = cluster
    c.admin("node1", ev.Standby(Hold.ALL, c.now))  # node2 now holds all
    settle(c)
    c.admin("node2", ev.Standby(Hold.FOREIGN, c.now))  # node2 gives G1 back, keeps local
    settle(c)
    sent = [m for _, m in c.nodes["node2"].sent if isinstance(m, Resource)]
    standby = [m for m in sent if m.info == "standby" and m.isstable is False]
    assert standby[-1] == Resource(Hold.LOCAL, info="standby", isstable=False, rtype="full")
    assert all(m.rtype == "full" for m in sent if m.info != "mach_down")
