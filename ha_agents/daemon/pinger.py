"""EDGE: ICMP echo to the ha.cf ping nodes (``ping``/``ping_group``), as Heartbeat's
ping media do: one echo request to every address each keepalive; each reply from one
of them is reported (``on_reply(host)``, the host as ha.cf writes it).  Liveness is
decided by the membership engine (``membership/pingnodes.py``).  IPv4, raw socket
(the daemon runs as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import Callable, Iterable

from ha_agents.daemon.logsetup import HbLog
from ha_agents.membership.actions import Level

ECHO_REQUEST, ECHO_REPLY = 8, 0
PAYLOAD = b"ha_agents ping node"


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


def echo_request(ident: int, seq: int) -> bytes:
    head = struct.pack("!BBHHH", ECHO_REQUEST, 0, 0, ident, seq)
    csum = checksum(head + PAYLOAD)
    return struct.pack("!BBHHH", ECHO_REQUEST, 0, csum, ident, seq) + PAYLOAD


def parse_reply(packet: bytes, ident: int) -> bool:
    """True if ``packet`` (IPv4 header + ICMP) is an echo reply to our ``ident``."""
    if len(packet) < 20:
        return False
    ihl = (packet[0] & 0x0F) * 4
    if len(packet) < ihl + 8:
        return False
    kind, _code, _csum, rid, _seq = struct.unpack_from("!BBHHH", packet, ihl)
    return bool(kind == ECHO_REPLY and rid == ident)


class Pinger:
    def __init__(
        self, hosts: Iterable[str], interval_s: float, on_reply: Callable[[str], None], log: HbLog
    ) -> None:
        self.hosts = tuple(hosts)
        self.interval_s = max(0.05, interval_s)
        self.on_reply = on_reply
        self.log = log
        self.ident = os.getpid() & 0xFFFF
        self.seq = 0
        self.addrs: dict[str, str] = {}  # address -> host as written
        self.failing: set[str] = set()
        self.sock: socket.socket | None = None
        self.timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        for host in self.hosts:
            try:
                self.addrs[socket.gethostbyname(host)] = host
            except OSError as exc:
                self.log.log(Level.ERROR, f"ping node {host}: cannot resolve ({exc})")
        if not self.addrs:
            return
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        self.sock.setblocking(False)
        loop = asyncio.get_running_loop()
        loop.add_reader(self.sock.fileno(), self._read)
        self._send()

    def _send(self) -> None:
        if self.sock is None:
            return
        self.seq = (self.seq + 1) & 0xFFFF
        packet = echo_request(self.ident, self.seq)
        for addr, host in self.addrs.items():
            try:
                self.sock.sendto(packet, (addr, 0))
                self.failing.discard(addr)
            except OSError as exc:
                if addr not in self.failing:  # once per outage, as Heartbeat's write_child
                    self.failing.add(addr)
                    self.log.log(Level.ERROR, f"write failure on ping {host}: {exc.strerror}")
        self.timer = asyncio.get_running_loop().call_later(self.interval_s, self._send)

    def _read(self) -> None:
        assert self.sock is not None
        for _ in range(64):
            try:
                packet, (addr, _port) = self.sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            host = self.addrs.get(addr)
            if host is not None and parse_reply(packet, self.ident):
                self.on_reply(host)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
