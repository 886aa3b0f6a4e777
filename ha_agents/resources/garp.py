"""EDGE: gratuitous ARP with a raw AF_PACKET socket (frames built here, no send_arp).

Each announcement is an ARP request (``who-has IP tell IP``, target MAC zero) and an ARP
reply (``IP is-at MAC``, to the broadcast MAC): some switches and hosts update on one, some
on the other.  The first announcement goes out at once; the others are spaced by
``interval`` seconds, in a detached child so ``start`` returns immediately.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import struct
import time
from collections.abc import Callable

ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6
ZERO = b"\x00" * 6


def arp_frame(mac: bytes, ip: str, op: int) -> bytes:
    """An Ethernet frame carrying a gratuitous ARP (op 1 request, 2 reply), padded to 60."""
    if len(mac) != 6 or op not in (1, 2):
        raise ValueError("mac must be 6 bytes and op 1 or 2")
    spa = ipaddress.IPv4Address(ip).packed
    tha = ZERO if op == 1 else BROADCAST
    eth = BROADCAST + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + spa + tha + spa
    return (eth + arp).ljust(60, b"\x00")


def mac_of(ifname: str) -> bytes:
    with open(f"/sys/class/net/{ifname}/address", encoding="ascii") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def send_once(ifname: str, frames: list[bytes]) -> None:
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as s:
        s.bind((ifname, 0))
        for frame in frames:
            s.send(frame)


class RawGarp:
    """:class:`ipaddr.Announcer` sending ``count`` announcements ``interval`` s apart.

    ``background=True`` (scripts): the rest are sent by a double-forked child that closes
    stdio, so the caller's pipes see EOF at once.  ``background=False``: sent inline
    (blocking; for callers that run in a thread).
    """

    def __init__(self, count: int = 5, interval: float = 0.2, background: bool = True) -> None:
        self.count = max(1, min(count, 100))
        self.interval = max(0.0, min(interval, 10.0))
        self.background = background

    def announce(self, ifname: str, ip: str) -> str | None:
        try:
            mac = mac_of(ifname)
            frames = [arp_frame(mac, ip, 1), arp_frame(mac, ip, 2)]
            send_once(ifname, frames)
        except (OSError, ValueError) as exc:
            return f"{ifname}: {exc}"
        if self.count > 1:
            if self.background:
                _detach(lambda: self._rest(ifname, frames))
            else:
                self._rest(ifname, frames)
        return None

    def _rest(self, ifname: str, frames: list[bytes]) -> None:
        for _ in range(self.count - 1):
            time.sleep(self.interval)
            with contextlib.suppress(OSError):
                send_once(ifname, frames)


def _detach(work: Callable[[], None]) -> None:
    """Run ``work()`` in a grandchild with stdio on /dev/null; the caller goes on."""
    pid = os.fork()
    if pid:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        work()
    finally:
        os._exit(0)
