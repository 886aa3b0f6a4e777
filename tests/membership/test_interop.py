"""Interop: one ha_agents node and one real Heartbeat 3.0.6 node (Debian package, own
mount+UTS namespace, private /etc/ha.d) form a cluster, with md5 and with sha1; each sees
the other alive, and each sees the other die within deadtime + one keepalive; over
ucast (md5), bcast (sha1) and mcast 233.252.0.1 (md5; not covered by the spec captures)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab.agentnode import AgentNode, medium, wait_status
from tests.lab.heartbeat import make_ha_cf
from tests.lab.netns import Lab

KEEPALIVE, WARN, DEAD, INITDEAD = 0.2, 0.6, 1.0, 2.0


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mi") as lab:
        yield lab


@pytest.mark.netns
@pytest.mark.heartbeat
@pytest.mark.parametrize(
    ("method", "media_kind"), [("md5", "ucast"), ("sha1", "bcast"), ("md5", "mcast")]
)
def test_heartbeat_and_ha_agents_form_a_cluster_and_detect_death(
    lab: Lab, method: str, media_kind: str
) -> None:
    key = f"interop-{method}-key"
    addrs = {"node1": lab.ip(11), "node2": lab.ip(12)}
    h1 = lab.add_host("node1", lab.cidr(11))
    h2 = lab.add_host("node2", lab.cidr(12))
    for host, host_part in ((h1, 11), (h2, 12)):
        # a broadcast address, as ifupdown/DHCP set one: Heartbeat sends bcast to the
        # interface's configured brd (0.0.0.0, i.e. nowhere, without one)
        host.run(["ip", "addr", "del", lab.cidr(host_part), "dev", "eth0"])
        host.run(["ip", "addr", "add", lab.cidr(host_part), "brd", "+", "dev", "eth0"])
    ha_cf = make_ha_cf(
        addrs, keepalive="200ms", warntime="600ms", deadtime="1", initdead="2", media=media_kind
    )
    hb = lab.add_heartbeat_node(h1, "node1", ha_cf, authkeys=f"auth 1\n1 {method} {key}\n")
    if media_kind == "ucast":
        media = [medium("ucast", "eth0", peer=a) for a in addrs.values()]
    elif media_kind == "mcast":  # the group make_ha_cf gives Heartbeat
        media = [medium("mcast", "eth0", group="233.252.0.1", ttl=1, loop=False)]
    else:
        media = [medium("bcast", "eth0")]
    ours = AgentNode(
        lab.tmpdir,
        "node2",
        ["node1", "node2"],
        media,
        timers_ms=(200, 600, 1000, 2000),
        auth=(method, key),
        host=h2,
    )
    hb.start()
    ours.start()

    assert wait_status(lambda: ours.nodestatus("node1"), "active", 15) is not None, ours.output()
    assert wait_status(lambda: hb.nodestatus("node2"), "active", 15) is not None, hb.log()[-3000:]
    r = hb.cl_status("nodestatus", "node2")
    assert (r.stdout, r.returncode) == ("active\n", 0)
    r = ours.status("nodestatus", "node1")  # the real CLI, exit code included
    assert (r.stdout, r.returncode) == ("active\n", 0)
    assert "attempted replay attack" not in hb.log()
    assert "authentication failed" not in hb.log()
    assert ours.doc()["dropped"].get("bad_trailer_digest") is None

    # 0.45 s of total packet loss (< deadtime): both sides request the lost seqs with
    # NS_rexmit (firstseq/lastseq in decimal) and the other re-sends the original
    # datagrams, which pass authentication unchanged
    hb_mark = hb.log_mark()
    h2.netem(100)
    time.sleep(0.45)
    h2.clear_netem()
    assert hb.wait_log(r"lost packet\(s\) for \[node2\]", 3, since=hb_mark) is not None
    assert hb.wait_log(r"No pkts missing from node2!", 3, since=hb_mark) is not None
    assert wait_status(lambda: "No pkts missing from node1!" in ours.output(), True, 3)
    assert ours.doc()["events"].get("rexmit_answered", 0) >= 1
    assert hb.nodestatus("node2") == "active" and ours.nodestatus("node1") == "active"

    # ha_agents dies: Heartbeat notices within deadtime + one keepalive.  Both announce
    # dt = deadtime + 2 s during their first 5 s (Heartbeat's start-up grace, which it
    # honours for its peers), so kill only once the steady dt is out.
    ours.wait_steady()
    t0 = time.monotonic()
    ours.kill(signal.SIGKILL)
    assert wait_status(lambda: hb.nodestatus("node2"), "dead", 10) is not None
    hb_detect = time.monotonic() - t0
    m = hb.wait_log(r"WARN: node node2: is dead", 5)
    assert m is not None

    # ha_agents comes back with generation + 1: Heartbeat accepts it as a restart
    mark = hb.log_mark()
    ours.start()
    assert wait_status(lambda: hb.nodestatus("node2"), "active", 15) is not None
    assert hb.wait_log(r"Heartbeat restart on node node2", 5, since=mark) is not None
    assert "attempted replay attack" not in hb.log()[mark:]
    assert wait_status(lambda: ours.nodestatus("node1"), "active", 10) is not None

    # a clean stop of ha_agents: Heartbeat gets shutdone (its resource takeover starts at
    # once); its nodestatus says dead after the node's deadtime (dt: up to 3 s here)
    mark = hb.log_mark()
    assert ours.stop() == 0
    assert hb.wait_log(r"Received shutdown notice from 'node2'\.", 3, since=mark) is not None
    assert wait_status(lambda: hb.nodestatus("node2"), "dead", 5) is not None
    ours.start()
    assert wait_status(lambda: hb.nodestatus("node2"), "active", 15) is not None
    assert wait_status(lambda: ours.nodestatus("node1"), "active", 10) is not None

    # Heartbeat dies: ha_agents notices within deadtime + one keepalive
    t0 = time.monotonic()
    assert hb.wait_log(r"Heartbeat restart on node node2", 1, since=mark) is not None
    hb.kill(signal.SIGKILL)
    assert wait_status(lambda: ours.nodestatus("node1"), "dead", 10) is not None
    our_detect = time.monotonic() - t0
    print(
        f"\n{method}/{media_kind}: Heartbeat saw ha_agents SIGKILL after {hb_detect:.3f}s; "
        f"ha_agents saw Heartbeat SIGKILL after {our_detect:.3f}s "
        f"(deadtime {DEAD}s, keepalive {KEEPALIVE}s)"
    )
    assert our_detect <= DEAD + KEEPALIVE + 0.1  # 0.1 s: polling slack
    assert hb_detect <= DEAD + KEEPALIVE + 0.5  # cl_status via nsenter is slower to poll
    assert "node node1: is dead" in ours.output()
