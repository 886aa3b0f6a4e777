"""EDGE: a datagram flood from a lab host, for the flood benchmark (bench/perf.py).

``forged_status(...)`` is a valid-looking Heartbeat status message claiming to come from a
cluster node, signed with a key the cluster does not have; ``Flood`` sends it as raw
Ethernet frames (its own source address, the target's MAC) at a given rate with
trafgen (Debian netsniff-ng: a C generator on a packet mmap ring, one process),
so the sender is not the limit.  ``rx_packets`` reads a host's interface counter: the
rate that actually arrived.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
from pathlib import Path

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.message import Message
from tests.lab import procs
from tests.lab.netns import Host

WRONG_KEY = b"not-the-cluster-key"


def forged_status(src: str, seq: int = 1, method: AuthMethod = AuthMethod.SHA1) -> bytes:
    key = AuthKey(1, method, WRONG_KEY, Location("flood", 1))
    msg = Message.of(
        ("t", "status"), ("st", "active"), ("dt", "1f4"), ("protocol", "1"), ("src", src),
        ("srcuuid", b"F" * 16), ("seq", f"{seq:x}"), ("hg", "5f5e100"), ("ts", "65000000"),
        ("ld", "0.00 0.00 0.00 1/100 1"), ("ttl", "3"),
    )  # fmt: skip
    return Authenticator(AuthKeys(1, {1: key})).sign(list(msg.fields))


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


def frame(
    src_mac: bytes, dst_mac: bytes, src_ip: str, dst_ip: str, port: int, payload: bytes
) -> bytes:
    """Ethernet + IPv4 + UDP (checksum 0: none, legal for IPv4) around ``payload``."""
    udp = struct.pack("!HHHH", port, port, 8 + len(payload), 0) + payload
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0x10, 20 + len(udp), 0, 0x4000, 64, 17, 0,
        socket.inet_aton(src_ip), socket.inet_aton(dst_ip),
    )  # fmt: skip
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + udp


def mac(host: Host, ifname: str = "eth0") -> bytes:
    out = host.run(["cat", f"/sys/class/net/{ifname}/address"]).stdout.strip()
    return bytes.fromhex(out.replace(":", ""))


def rx_packets(host: Host, ifname: str = "eth0") -> int:
    return int(host.run(["cat", f"/sys/class/net/{ifname}/statistics/rx_packets"]).stdout)


class Flood:
    """trafgen on ``attacker`` sending ``data`` (one frame, repeated) at ``pps`` (None: as
    fast as one trafgen process per core can)."""

    def __init__(self, attacker: Host, conf_dir: Path, data: bytes, pps: int | None) -> None:
        conf = conf_dir / f"flood-{attacker.name}.cfg"
        conf.write_text("{ " + ", ".join(f"0x{b:02x}" for b in data) + " }\n")
        cpus = "1" if pps else str(os.cpu_count() or 1)
        argv = ["trafgen", "--dev", "eth0", "--conf", str(conf), "--cpus", cpus, "-C", "-Q"]
        if pps:
            argv += ["--rate", f"{pps}pps"]
        self.proc = attacker.popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        """End the generator and its workers: trafgen forks one per CPU, and they outlive
        a signal to the parent alone, so the whole process group (its own, by PID) goes."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            procs.send_group(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            if not procs.wait_gone(procs.pids_in_group(self.proc.pid), 5):
                return
