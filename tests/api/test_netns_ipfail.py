"""The real ipfail (Debian's heartbeat package) on ha_agents, as on Heartbeat 3.0.6.

Two nodes, one ping node (the lab bridge), ``respawn hacluster ipfail``, the VIP group
homed on node1, auto_failback on.  Cutting node1's path to the ping node moves the
group to node2 (ipfail: node1 sees fewer ping nodes, asks its peer, gives up); healing
it brings it back (auto_failback); both losing it (node2 first, then node1) moves
nothing.  The same on a mixed
cluster (node1 ha_agents, node2 real Heartbeat, ipfail on both).
"""

from __future__ import annotations

import time

import pytest

from tests.api.cluster import (
    IPFAIL,
    PING,
    child_pid,
    cut_ping,
    ha_cf,
    has_vip,
    heal_ping,
    hosts,
    silence_ping_node,
    start,
    wait_vip,
)
from tests.lab import Lab, wait_until

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]

VIP = "192.0.2.50"
HARESOURCES = f"node1 IPaddr::{VIP}/24/eth0\n"


@pytest.mark.parametrize("peer_kind", ["agents", "heartbeat"])
def test_ipfail_moves_the_group_off_the_node_that_lost_its_ping_node(peer_kind: str) -> None:
    with Lab("apif") as lab:
        n1, n2 = hosts(lab)
        cf = ha_cf(f"ping {PING}\nrespawn hacluster {IPFAIL}\n")
        node1 = start(lab, n1, "node1", "agents", cf, HARESOURCES)
        node2 = start(lab, n2, "node2", peer_kind, cf, HARESOURCES)
        assert wait_vip(n1, VIP, 40) is not None
        assert wait_until(lambda: child_pid(node1, "ipfail") and child_pid(node2, "ipfail"), 20)
        stable = lambda: node2.cl_status("rscstatus").stdout in ("local\n", "none\n")  # noqa: E731
        assert wait_until(stable, 30), node2.cl_status("rscstatus")
        time.sleep(2.0)  # both ipfails have compared counts once

        cut_ping(n1)
        moved = wait_vip(n2, VIP, 30)
        assert moved is not None, node1.log()[-3000:]
        assert not has_vip(n1, VIP)
        assert "asks to give up [all]" in node1.log()

        heal_ping(n1)
        assert wait_vip(n1, VIP, 30) is not None, node1.log()[-3000:]  # auto_failback on
        assert wait_until(lambda: not has_vip(n2, VIP), 10)

        time.sleep(2.0)
        # Both lose it, node2 first: ipfail cannot tell "at once" from "one after the
        # other" (whoever sees the death first asks a peer that still sees the ping node,
        # and gives up), so the order is made certain: node2 (nothing to give) asks node1,
        # which has more; then node1 loses it too and finds node2 with as few: no move.
        cut_ping(n2)
        assert wait_until(lambda: node2.cl_status("nodestatus", PING).stdout == "dead\n", 15)
        silence_ping_node(lab)
        assert wait_until(lambda: node1.cl_status("nodestatus", PING).stdout == "dead\n", 15)
        time.sleep(4.0)  # ipfail's exchange and its 2*keepalive delay are long over
        logs = node1.log()[-3000:] + "\n----- node2\n" + node2.log()[-3000:]
        assert has_vip(n1, VIP) and not has_vip(n2, VIP), logs
