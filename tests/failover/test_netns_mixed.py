"""Mixed cluster: one ha_agents node and one real Heartbeat 3.0.6 node share the VIP.
Takeover after power loss and auto_failback hand-back work in both directions (ucast:
the lab's Heartbeat is not heard over bcast, see docs/failover.md)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab import Lab, wait_until
from tests.lab.cluster import AUTHKEYS, ClusterSpec, start_ha_agents, vip_holders
from tests.lab.httpserver import serve_name
from tests.lab.poller import HttpPoller

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
VIP = "192.0.2.50"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mx") as lab:
        yield lab


@pytest.mark.parametrize("ours", ["node1", "node2"])
def test_takeover_and_failback_with_a_heartbeat_peer(lab: Lab, ours: str) -> None:
    """node1 is the VIP's home.  ours='node1': ha_agents is home, Heartbeat takes over;
    ours='node2': Heartbeat is home, ha_agents takes over.  Then the home node returns."""
    spec = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000, initdead_ms=3000, media="ucast")
    h1 = lab.add_host("n1", "192.0.2.11/24")
    h2 = lab.add_host("n2", "192.0.2.12/24")
    client = lab.add_host("cl", "192.0.2.20/24")
    for h in (h1, h2):
        serve_name(h, h.name)
    theirs = "node2" if ours == "node1" else "node1"
    hosts = {"node1": h1, "node2": h2}
    hb = lab.add_heartbeat_node(
        hosts[theirs], theirs, ha_cf=spec.ha_cf(), haresources=spec.haresources(),
        authkeys=AUTHKEYS,
    )  # fmt: skip
    hb.start()
    ha = start_ha_agents(lab, hosts[ours], ours, spec)
    assert wait_until(lambda: vip_holders([h1, h2], VIP) == ["n1"], 20), (hb.log(), ha.log())
    poller = HttpPoller(client, f"http://{VIP}/").start()
    assert poller.wait_ok(5, backend="n1")
    time.sleep(5.5)  # past the starting nodes' longer announced deadtime

    def kill_home() -> None:
        if ours == "node1":
            ha.kill(signal.SIGKILL)
        else:
            hb.kill(signal.SIGKILL)
        h1.link_down()

    fault = time.monotonic()
    kill_home()
    assert poller.wait_ok(10, after=fault, backend="n2"), (ha.log()[-3000:], hb.log()[-3000:])
    h1.run(["ip", "addr", "flush", "dev", "eth0", "label", "eth0:*"], check=False)
    h1.link_up()
    back = time.monotonic()
    (ha if ours == "node1" else hb).start()
    assert poller.wait_ok(25, after=back, backend="n1"), (ha.log()[-3000:], hb.log()[-3000:])
    assert wait_until(lambda: vip_holders([h1, h2], VIP) == ["n1"], 5)
    assert "Standby resource acquisition done [foreign]." in (
        ha.log() if ours == "node1" else hb.log()
    )
