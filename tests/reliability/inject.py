"""Packets from an attacker's namespace: a raw IPv4 socket that writes its own IP/UDP
headers (any source address, e.g. a cluster node's), a plain UDP socket, and a sniffer
that catches the cluster's broadcast heartbeats.

The sockets are created inside the lab host's network namespace from a short-lived
thread that enters it with setns(2) (a socket stays in the namespace it was made in),
so the test process itself never moves.  Only TEST-NET destinations are accepted.
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

CLONE_NEWNET = 0x40000000
T = TypeVar("T")
TEST_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24")]


def in_netns(netns: str, make: Callable[[], T]) -> T:
    """Run ``make()`` in a thread that has entered ``/run/netns/<netns>``."""
    libc = ctypes.CDLL(None, use_errno=True)
    result: list[T] = []
    error: list[BaseException] = []

    def body() -> None:
        fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            result.append(make())
        except BaseException as exc:  # handed to the caller
            error.append(exc)
        finally:
            os.close(fd)

    t = threading.Thread(target=body)
    t.start()
    t.join(10)
    if error:
        raise error[0]
    return result[0]


def _check(addr: str) -> None:
    ip = ipaddress.ip_address(addr)
    if not any(ip in n for n in TEST_NETS):
        raise ValueError(f"{addr} is not a TEST-NET address")


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """An IPv4 + UDP packet (UDP checksum computed; the kernel fills the IP checksum)."""
    _check(src)
    _check(dst)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0)
    csum = _csum(pseudo + udp + payload) or 0xFFFF
    udp = struct.pack("!HHHH", sport, dport, ulen, csum)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, s, d)
    return ip + udp + payload


class Injector:
    """Senders living in ``netns`` (the attacker's host)."""

    def __init__(self, netns: str) -> None:
        self.netns = netns
        self.raw = in_netns(netns, lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 255))
        self.raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.udp = in_netns(netns, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        self.sent = 0

    def spoofed(self, src: str, dst: str, payload: bytes, dport: int = 694) -> None:
        """One datagram with the IP source ``src`` (e.g. a real node's address)."""
        self.raw.sendto(ip_udp(src, dst, 51769, dport, payload), (dst, 0))
        self.sent += 1

    def plain(self, dst: str, payload: bytes, dport: int = 694) -> None:
        """One datagram from the attacker's own address."""
        _check(dst)
        self.udp.sendto(payload, (dst, dport))
        self.sent += 1

    def flood(
        self,
        src: str,
        dst: str,
        payloads: Iterable[bytes],
        rate: float,
        seconds: float,
        dport: int = 694,
    ) -> int:
        """Send ``payloads`` (cycled) at ``rate`` packets/s for ``seconds``, bounded in
        count and time, in bursts every 5 ms.  Returns the number sent."""
        packets = [ip_udp(src, dst, 40000 + i % 1000, dport, p) for i, p in enumerate(payloads)]
        total = int(rate * seconds)
        start = time.monotonic()
        sent = 0
        while sent < total:
            now = time.monotonic()
            if now - start > seconds + 2.0:
                break
            due = min(total, int((now - start) * rate) + 1)
            while sent < due:
                try:
                    self.raw.sendto(packets[sent % len(packets)], (dst, 0))
                except BlockingIOError:
                    break
                except OSError:
                    pass  # e.g. ENOBUFS: the packet is lost, as on a real wire
                sent += 1
            time.sleep(0.005)
        self.sent += sent
        return sent

    def close(self) -> None:
        self.raw.close()
        self.udp.close()


class Sniffer:
    """Listens on UDP ``port`` in ``netns`` and keeps what the cluster broadcasts."""

    def __init__(self, netns: str, port: int = 694) -> None:
        def make() -> socket.socket:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.bind(("0.0.0.0", port))
            return s

        self.sock = in_netns(netns, make)
        self.sock.settimeout(0.2)

    def capture(self, want: Callable[[bytes, str], bool], timeout: float) -> list[bytes]:
        """Datagrams for which ``want(data, source)`` holds, until one is found or time
        is up (then returns what matched: possibly nothing)."""
        out: list[bytes] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not out:
            try:
                data, addr = self.sock.recvfrom(70000)
            except TimeoutError:
                continue
            if want(data, addr[0]):
                out.append(data)
        return out

    def close(self) -> None:
        self.sock.close()
