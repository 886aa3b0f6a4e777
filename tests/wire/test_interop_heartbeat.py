"""Interop with a real Heartbeat 3.0.6 node in a network namespace.

* a Heartbeat node signing with sha1 and a key longer than the 64-byte HMAC block (a
  case the spec lists as unverified): every datagram it sends verifies with our strict
  rules and re-encodes to identical bytes;
* datagrams we sign are accepted by Heartbeat: it brings our fake peer "node2"'s link
  up and records its status as active.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.wire.auth import open_datagram
from ha_agents.wire.codec import decode
from ha_agents.wire.pcap import PcapError, UdpPacket, parse_capture
from tests.lab import Lab, wait_until
from tests.lab.heartbeat import make_ha_cf
from tests.wire.helpers import REPO_ROOT

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
LONG_KEY = "Sha1-long-key-" + "0123456789abcdef" * 5  # 94 bytes > 64-byte block

FAKE_PEER = """
import socket, sys, time
from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.messages import envelope, status
key = AuthKey(2, AuthMethod.SHA1, sys.argv[1].encode(), Location("peer", 1))
auth = Authenticator(AuthKeys(2, {2: key}))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hg = int(time.time())
for seq in range(1, 151):  # 15 s at most
    body = status("active", 2000)
    fields = envelope(body, src="node2", srcuuid=b"ha_agents-node2!", seq=seq, hg=hg,
                      ts=int(time.time()), ld="0.00 0.00 0.00 1/1 1", ttl=3)
    s.sendto(auth.sign(fields), ("192.0.2.11", 694))
    time.sleep(0.1)
"""


def _from_node1(pcap: Path) -> list[UdpPacket]:
    try:
        packets = parse_capture(pcap.read_bytes()).packets
    except (OSError, PcapError):  # not written yet
        return []
    return [p for p in packets if p.src == NODES["node1"]]


def test_real_heartbeat_sha1_long_key_both_directions() -> None:
    authkeys = f"auth 2\n1 md5 unused-key\n2 sha1 {LONG_KEY}\n"
    with Lab("w") as lab:
        h1 = lab.add_host("n1", f"{NODES['node1']}/24")
        h2 = lab.add_host("n2", f"{NODES['node2']}/24")
        ha_cf = make_ha_cf(NODES, keepalive="200ms", deadtime="3", initdead="3")
        node1 = lab.add_heartbeat_node(h1, "node1", ha_cf, authkeys=authkeys)
        pcap = lab.tmpdir / "node1.pcap"
        dump = h2.popen(["tcpdump", "-i", "eth0", "-U", "-w", str(pcap), "udp port 694"])
        assert wait_until(pcap.exists, timeout=10), "tcpdump did not start"
        time.sleep(0.2)
        node1.start()
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        h2.popen([sys.executable, "-c", FAKE_PEER, LONG_KEY], env=env)
        accepted = node1.wait_log(r"Status update for node node2: status active", timeout=15)
        # keep capturing until node1 has sent a few datagrams of its own
        wait_until(lambda: len(_from_node1(pcap)) >= 5, timeout=15)
        log = node1.log()
        dump.terminate()
        dump.wait(timeout=10)
        assert accepted is not None, log[-3000:]
        assert "Link node2:eth0 up." in log, log[-3000:]
        assert "authentication failed" not in log and "authtoken does not match" not in log
        packets = _from_node1(pcap)
    assert len(packets) >= 3, f"node1 sent nothing we could capture\n{log[-3000:]}"
    keys = AuthKeys(2, {2: AuthKey(2, AuthMethod.SHA1, LONG_KEY.encode(), Location("t", 1))})
    types = set()
    for p in packets:
        msg = open_datagram(p.payload, keys)
        assert decode(p.payload).encode() == p.payload
        types.add(msg.type)
    assert "status" in types
