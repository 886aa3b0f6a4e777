"""HTTP helpers and keepalived in the lab: poller, name server, VRRP VIP moving."""

from __future__ import annotations

import signal
import time

import pytest

from tests.lab import Lab, wait_until
from tests.lab.httpserver import serve_name
from tests.lab.keepalived import make_keepalived_conf
from tests.lab.poller import HttpPoller

pytestmark = pytest.mark.netns

VIP = "192.0.2.50/24"


def test_lab_poller_sees_server_stop_and_come_back(lab: Lab) -> None:
    srv = lab.add_host("s1", "192.0.2.11/24")
    client = lab.add_client("c", "192.0.2.100/24")
    proc = serve_name(srv, "alpha")
    poller = HttpPoller(client, "http://192.0.2.11/", interval=0.01).start()
    assert poller.wait_ok(timeout=10, backend="alpha")
    fault = time.monotonic()
    proc.terminate()
    proc.wait(timeout=5)
    assert wait_until(lambda: any(not s.ok and s.start > fault for s in poller.samples()), 5)
    serve_name(srv, "beta")
    assert poller.wait_ok(timeout=10, after=fault, backend="beta")
    samples = poller.stop()
    assert not poller.running()
    o = poller.outage(fault)
    assert o.last_ok_before is not None and o.last_ok_before.backend == "alpha"
    assert o.first_ok_after is not None and o.first_ok_after.backend == "beta"
    assert o.failed >= 1 and o.recovery is not None and o.recovery > 0
    # monotonic timestamps from the client namespace are comparable with ours
    assert samples[0].start < fault < samples[-1].end <= time.monotonic()
    assert any(s.error for s in samples if not s.ok)


def test_lab_poller_rejects_a_bad_url(lab: Lab) -> None:
    client = lab.add_client("c", "192.0.2.100/24")
    cp = client.run(
        ["python3", "-m", "tests.lab.poller", "--url", "ftp://x/", "--out", "/dev/null"],
        check=False,
    )
    assert cp.returncode == 2 and "only http://" in cp.stderr


def test_lab_keepalived_vip_moves_when_the_master_loses_power(lab: Lab) -> None:
    addrs = {"n1": "192.0.2.11", "n2": "192.0.2.12"}
    nodes = {}
    for name, prio in (("n1", 150), ("n2", 100)):
        host = lab.add_host(name, f"{addrs[name]}/24")
        peers = [a for n, a in addrs.items() if n != name]
        conf = make_keepalived_conf(
            name, VIP, priority=prio, advert_int=0.1, unicast_peers=peers, src_ip=addrs[name]
        )
        nodes[name] = lab.add_keepalived_node(host, name, conf)
        serve_name(host, name)
    client = lab.add_client("c", "192.0.2.100/24")
    for node in nodes.values():
        node.start()
    n1, n2 = nodes["n1"], nodes["n2"]
    assert wait_until(lambda: n1.has_vip(VIP), timeout=10)
    assert not n2.has_vip(VIP)
    poller = HttpPoller(client, "http://192.0.2.50/").start()
    assert poller.wait_ok(timeout=10, backend="n1")
    # power loss: the daemon dies and the cable goes dead at once
    fault = time.monotonic()
    n1.kill(signal.SIGKILL)
    n1.host.link_down()
    assert not n1.running()
    assert wait_until(lambda: n2.has_vip(VIP), timeout=5)
    assert poller.wait_ok(timeout=10, after=fault, backend="n2")
    o = poller.outage(fault)
    assert o.recovery is not None and o.recovery < 3.0
    assert "Entering MASTER STATE" in n2.log()
