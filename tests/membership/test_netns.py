"""Two real ha_agents daemons in network namespaces: bcast, mcast, ucast, serial, two
links with one cut.  TEST-NET addresses only; the lab cleans up even on failure."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.agentnode import REPO, AgentNode, medium, wait_status
from tests.lab.netns import Lab

NODES = ["node1", "node2"]


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mb") as lab:
        yield lab


def pair(
    lab: Lab,
    media_for: dict[str, list[dict[str, object]]],
    two_links: bool = False,
    failover_cf: str = "",
) -> dict[str, AgentNode]:
    if two_links:
        lab.add_bridge("br1")
    nodes = {}
    for i, name in enumerate(NODES):
        host = lab.add_host(name, lab.cidr(11 + i))
        if two_links:
            lab.add_link(host, f"198.51.100.{11 + i}/24", ifname="eth1", bridge="br1")
        nodes[name] = AgentNode(lab.tmpdir, name, NODES, media_for[name], host=host)
        if failover_cf:
            (nodes[name].config_dir / "failover.cf").write_text(failover_cf)
    for node in nodes.values():
        node.start()
    return nodes


def assert_see_each_other(nodes: dict[str, AgentNode]) -> None:
    for me, other in (("node1", "node2"), ("node2", "node1")):
        took = wait_status(lambda m=me, o=other: nodes[m].nodestatus(o), "active", 10)
        assert took is not None, nodes[me].output()
        r = nodes[me].status("nodestatus", other)
        assert (r.stdout, r.returncode) == ("active\n", 0)


@pytest.mark.netns
def test_bcast_pair_sees_each_other_and_clean_stop_is_seen(lab: Lab) -> None:
    nodes = pair(lab, {n: [medium("bcast", "eth0")] for n in NODES})
    assert_see_each_other(nodes)
    assert nodes["node1"].status("listhblinks", "-v", "node2").stdout == "\teth0\tup\n"
    assert nodes["node1"].status("hbstatus").returncode == 0
    # the resource manager plugged into the daemon answers rscstatus
    rsc = nodes["node1"].status("rscstatus").stdout
    assert rsc in ("all\n", "local\n", "foreign\n", "none\n", "transition\n")
    assert nodes["node1"].doc()["resources"]["rscstatus"] == rsc.strip()
    assert nodes["node1"].status("hbparameter", "-p", "keepalive").stdout == "200ms\n"
    summary = nodes["node1"].status().stdout.splitlines()
    assert summary[0].startswith("node node1: active (generation ")
    at = next(i for i, line in enumerate(summary) if line.startswith("  node2: active, heard "))
    assert summary[at + 1] == "    eth0: up"
    assert summary[-1].startswith("packets: dropped ")
    assert nodes["node2"].stop() == 0
    took = wait_status(lambda: nodes["node1"].nodestatus("node2"), "dead", 5)
    assert took is not None and took < 1.0  # shutdone, not deadtime
    assert "Received shutdown notice from 'node2'." in nodes["node1"].output()
    r = nodes["node2"].status("hbstatus")
    assert (r.stdout, r.returncode) == ("Heartbeat is stopped on this machine.\n", 1)


@pytest.mark.netns
def test_mcast_pair_sees_each_other(lab: Lab) -> None:
    m = medium("mcast", "eth0", group="233.252.0.7", ttl=1, loop=False)
    nodes = pair(lab, {n: [m] for n in NODES})
    assert_see_each_other(nodes)


@pytest.mark.netns
def test_ucast_pair_sees_each_other_and_kill_is_detected_within_deadtime(lab: Lab) -> None:
    media = [medium("ucast", "eth0", peer=lab.ip(11)), medium("ucast", "eth0", peer=lab.ip(12))]
    nodes = pair(lab, {n: media for n in NODES})
    assert_see_each_other(nodes)
    doc = nodes["node1"].doc()
    peer = next(n for n in doc["nodes"] if n["name"] == "node2")
    assert peer["links"][0]["source"] == lab.ip(12)
    nodes["node2"].wait_steady()
    t0 = time.monotonic()
    nodes["node2"].kill()
    took = wait_status(lambda: nodes["node1"].nodestatus("node2"), "dead", 5)
    assert took is not None
    detect = time.monotonic() - t0
    print(f"ucast: SIGKILL detected after {detect:.3f}s (deadtime 1.0s, keepalive 0.2s)")
    assert 0.8 <= detect <= 1.0 + 0.2 + 0.3  # deadtime + one keepalive + polling slack


@pytest.mark.netns
def test_one_link_of_two_cut_keeps_node_up_and_marks_link_dead(lab: Lab) -> None:
    media = [medium("bcast", "eth0"), medium("bcast", "eth1")]
    nodes = pair(lab, {n: media for n in NODES}, two_links=True)
    assert_see_each_other(nodes)
    n1 = nodes["node1"]
    assert wait_status(lambda: n1.status("hblinkstatus", "node2", "eth1").stdout, "up\n", 5)
    lab.hosts["node2"].link_down("eth1")
    assert wait_status(lambda: n1.status("hblinkstatus", "node2", "eth1").stdout, "dead\n", 5)
    time.sleep(0.5)
    assert n1.nodestatus("node2") == "active"
    assert n1.status("hblinkstatus", "node2", "eth0").stdout == "up\n"
    assert "Link node2:eth1 dead." in n1.output()
    lab.hosts["node2"].link_up("eth1")
    assert wait_status(lambda: n1.status("hblinkstatus", "node2", "eth1").stdout, "up\n", 5)


@pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat for a pty pair")
def test_serial_pair_over_socat_pty(tmp_path: Path) -> None:
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"
    socat = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    nodes: dict[str, AgentNode] = {}
    try:
        deadline = time.monotonic() + 5
        while not (a.exists() and b.exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for name, tty in (("node1", a), ("node2", b)):
            nodes[name] = AgentNode(
                tmp_path, name, NODES, [medium("serial", str(tty), baud=115200)]
            )
            nodes[name].start()
        assert_see_each_other(nodes)
        # a serial link is named after this node's own tty, as Heartbeat names it
        assert nodes["node1"].status("listhblinks", "node2").stdout == f"\t{a}\n"
    finally:
        for node in nodes.values():
            node.stop()
        socat.terminate()
        socat.wait(5)


@pytest.mark.netns
def test_keepalive_50ms_has_no_drift(lab: Lab) -> None:
    nodes = {}
    for i, name in enumerate(NODES):
        host = lab.add_host(name, lab.cidr(11 + i))
        nodes[name] = AgentNode(
            lab.tmpdir,
            name,
            NODES,
            [medium("bcast", "eth0")],
            timers_ms=(50, 200, 400, 1000),
            host=host,
        )
        nodes[name].start()
    assert_see_each_other(nodes)
    n1 = nodes["node1"]
    s0, t0 = n1.doc()["seq"], time.monotonic()
    time.sleep(3.0)
    s1, t1 = n1.doc()["seq"], time.monotonic()
    expected = (t1 - t0) / 0.05  # ~60; a drifting timer (sleep 50 ms after each send) is ~5% short
    assert -3 <= (s1 - s0) - expected <= 2, (s1 - s0, expected)
    # (Late heartbeat warnings are possible on a loaded machine: warntime is 200 ms)
    assert nodes["node2"].doc()["nodes"][0]["status"] == "active"


FORGE = (
    "import socket, sys\n"
    "from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location\n"
    "from ha_agents.wire.auth import Authenticator\n"
    "from ha_agents.wire.codec import Message\n"
    "key = AuthKey(1, AuthMethod.SHA1, b'ha-agents-lab-secret', Location('x', 1))\n"
    "auth = Authenticator(AuthKeys(1, {1: key}))\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)\n"
    "for src in ('node1', 'stranger'):\n"
    "    m = Message.of(('t', 'status'), ('st', 'active'), ('dt', '3e8'), ('protocol', '1'),\n"
    "                   ('src', src), ('srcuuid', b'M' * 16), ('seq', '1'), ('hg', '1'),\n"
    "                   ('ts', '1'), ('ld', '0'), ('ttl', '3'))\n"
    "    s.sendto(auth.sign(list(m.fields)), ('192.0.2.11', 694))\n"
    "s.sendto(b'###\\ngarbage', ('192.0.2.11', 694))\n"
)


@pytest.mark.netns
def test_forged_and_foreign_datagrams_are_dropped_and_counted(lab: Lab) -> None:
    """failover.cf ``peer_filter off``: every datagram reaches the daemon, whose checks
    drop and count each by reason."""
    nodes = pair(
        lab, {n: [medium("bcast", "eth0")] for n in NODES}, failover_cf="peer_filter off\n"
    )
    assert_see_each_other(nodes)
    mallory = lab.add_host("mallory", lab.cidr(66))
    mallory.run([sys.executable, "-c", FORGE], env={**os.environ, "PYTHONPATH": str(REPO)})
    n1 = nodes["node1"]
    assert wait_status(lambda: len(n1.doc().get("dropped", {})) >= 3, True, 5) is not None
    dropped = n1.doc()["dropped"]
    assert dropped["forged_self"] == 1 and dropped["unknown_node"] == 1
    assert sum(v for k, v in dropped.items() if k not in ("forged_self", "unknown_node")) >= 1
    assert "own_echo" not in dropped and n1.doc()["events"]["own_echo"] >= 1
    assert n1.doc()["peer_filter"]["eth0"]["allowed"] == []
    out = n1.output()
    assert "claiming to be from this node [node1] from foreign address 192.0.2.66" in out
    assert "unknown node [stranger] at 192.0.2.66" in out
    assert n1.nodestatus("node2") == "active"
    sock = n1.run_dir / "ha-agents.sock"
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600


@pytest.mark.netns
def test_peer_filter_drops_what_is_not_a_peer_in_the_kernel(lab: Lab) -> None:
    """Default: once node2 is heard, node1's socket lets only node2's address through;
    the forged datagrams from another host are dropped by the kernel and counted there,
    node2's heartbeats still arrive.  Our own broadcasts no longer come back either."""
    nodes = pair(lab, {n: [medium("bcast", "eth0")] for n in NODES})
    assert_see_each_other(nodes)
    n1 = nodes["node1"]
    assert wait_status(lambda: n1.doc()["peer_filter"]["eth0"]["allowed"], [lab.ip(12)], 5)
    before = n1.doc()["peer_filter"]["eth0"]["kernel_drops"]
    mallory = lab.add_host("mallory", lab.cidr(66))
    mallory.run([sys.executable, "-c", FORGE], env={**os.environ, "PYTHONPATH": str(REPO)})
    drops = lambda: n1.doc()["peer_filter"]["eth0"]["kernel_drops"] - before >= 3  # noqa: E731
    assert wait_status(drops, True, 5) is not None
    doc = n1.doc()
    assert not {"forged_self", "unknown_node"} & set(doc.get("dropped", {}))
    assert n1.nodestatus("node2") == "active"
    seen = doc["nodes"][1]["last_heard_s"] if doc["nodes"][1]["name"] == "node2" else None
    assert seen is None or seen < 1.0


def test_status_without_a_daemon_says_stopped_like_cl_status(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "ha_agents", "status", "--run-dir", str(tmp_path)]
    r = subprocess.run([*run, "hbstatus"], capture_output=True, text=True, cwd=REPO)
    assert (r.stdout, r.returncode) == ("Heartbeat is stopped on this machine.\n", 1)
    r = subprocess.run([*run, "nodestatus", "node1"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1 and "Cannot signon with heartbeat" in r.stderr
    r = subprocess.run([*run, "--json"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 3 and r.stdout == ""
