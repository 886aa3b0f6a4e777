"""The heartbeat package's resource.d/IPaddr and IPaddr2, run in-process by the daemon
(agents/ipaddr/stock.py), against the real scripts: the same address line in ``ip addr``
(label, prefix, broadcast), the same gratuitous ARP frames (byte for byte but the MAC),
in the same order and rhythm, the same status/stop answers.  Real kernel, real tcpdump."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agents.ipaddr.stock import stock_kind
from tests.lab.agentnode import REPO
from tests.lab.netns import Host, Lab

VIP = "192.0.2.50"
STOCK_DIR = "/etc/ha.d/resource.d"
pytestmark = pytest.mark.netns

OURS = """
import asyncio, json, sys
from ha_agents.agents.ipaddr.stock import StockIPaddrRunner
from ha_agents.resources.runner import AsyncScriptRunner
script, arg, wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
async def main():
    runner = StockIPaddrRunner(AsyncScriptRunner())
    out = []
    for action in ("status", "start", "status"):
        r = await runner.run([script, arg, action], {}, 10.0)
        out.append([r.rc, r.stdout.strip()])
    await asyncio.sleep(wait)  # the announcements go out on the loop's timers
    print(json.dumps(out))
asyncio.run(main())
"""


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("ips") as lab:
        yield lab


def _arp_frames(pcap: Path, sender: bytes) -> list[tuple[float, bytes]]:
    """(time, frame) of the ARP frames ``sender`` sent, from a classic pcap file."""
    data = pcap.read_bytes()
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16 : off + 16 + incl]
        off += 16 + incl
        if frame[6:12] == sender and frame[12:14] == b"\x08\x06":
            frames.append((sec + usec / 1e6, frame))
    return frames


def _mac(host: Host) -> bytes:
    text = host.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
    return bytes.fromhex(text.replace(":", ""))


def _vip_line(host: Host) -> str:
    lines = host.run(["ip", "-o", "-4", "addr", "show", "dev", "eth0"]).stdout.splitlines()
    found = [" ".join(line.split()[1:]) for line in lines if f" {VIP}/" in line]
    return found[0].split("\\")[0].strip() if found else ""


def _stock(host: Host, kind: str, action: str, rsctmp: Path) -> tuple[int, str]:
    env = {**os.environ, "HA_RSCTMP": str(rsctmp)}
    r = host.run([f"{STOCK_DIR}/{kind}", f"{VIP}/24/eth0", action], check=False, env=env)
    last = (r.stdout.strip().splitlines() or [""])[-1]
    return r.returncode, last.split(":", 1)[-1].strip()


@pytest.mark.parametrize("kind", ["IPaddr", "IPaddr2"])
def test_stock_wrapper_in_process_matches_the_script(lab: Lab, kind: str) -> None:
    script = f"{STOCK_DIR}/{kind}"
    assert stock_kind(script) == kind, f"{script} is not the heartbeat package's {kind}"
    theirs, ours = lab.add_host("sa", lab.cidr(11)), lab.add_host("sb", lab.cidr(12))
    observer = lab.add_host("ob", lab.cidr(99))
    pcap = lab.tmpdir / "arp.pcap"
    dump = observer.popen(["tcpdump", "-i", "eth0", "-n", "-U", "-w", str(pcap), "arp"])
    time.sleep(1.0)  # tcpdump's socket is open well before the first frame
    rsctmp = lab.tmpdir / "rsctmp"
    rsctmp.mkdir()
    wait = 6.0 if kind == "IPaddr" else 2.0  # 10 rounds x 0.5 s / 5 x 0.2 s
    before = _stock(theirs, kind, "status", rsctmp)
    started = _stock(theirs, kind, "start", rsctmp)
    after = _stock(theirs, kind, "status", rsctmp)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = ours.run([sys.executable, "-c", OURS, script, f"{VIP}/24/eth0", str(wait)], env=env)
    ours_answers = json.loads(r.stdout)
    time.sleep(wait)
    dump.send_signal(2)
    dump.wait(timeout=10)

    assert [tuple(a) for a in ours_answers] == [
        (before[0], f"INFO:  {before[1]}"), (started[0], f"INFO:  {started[1]}"),
        (after[0], f"INFO:  {after[1]}"),
    ]  # fmt: skip
    assert _vip_line(theirs) and _vip_line(theirs) == _vip_line(ours)
    mine, stock = _arp_frames(pcap, _mac(ours)), _arp_frames(pcap, _mac(theirs))
    assert len(stock) == {"IPaddr": 20, "IPaddr2": 10}[kind]
    normal = [f.replace(_mac(ours), b"M" * 6) for _, f in mine]
    assert normal == [f.replace(_mac(theirs), b"M" * 6) for _, f in stock]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(mine)]
    stock_gaps = [b[0] - a[0] for a, b in itertools.pairwise(stock)]
    assert abs(statistics.median(gaps) - statistics.median(stock_gaps)) < 0.05

    assert _stock(theirs, kind, "stop", rsctmp)[0] == 0
    stop_ours = OURS.replace('("status", "start", "status")', '("stop", "status")')
    r = ours.run([sys.executable, "-c", stop_ours, script, f"{VIP}/24/eth0", "0"], env=env)
    assert json.loads(r.stdout) == [[0, "INFO:  Success"], [7, "INFO:  Resource is stopped"]]
    assert _vip_line(theirs) == "" and _vip_line(ours) == ""
