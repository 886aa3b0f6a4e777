"""EDGE: gratuitous ARP with a raw AF_PACKET socket (frames built here, no send_arp).

Each announcement is an ARP request (``who-has IP tell IP``, target MAC zero) and an ARP
reply (``IP is-at MAC``, to the broadcast MAC): some switches and hosts update on one, some
on the other.  The first announcement goes out at once; the others are spaced by
``interval`` seconds in the background so ``start`` returns immediately.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import struct
import threading
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


def open_socket() -> socket.socket:
    # Protocol 0: a send-only socket (binding to a protocol would register a receive hook).
    return socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)


def send_frames(s: socket.socket, ifname: str, frames: list[bytes]) -> None:
    for frame in frames:
        s.sendto(frame, (ifname, ETH_P_ARP))


class RawGarp:
    """:class:`logic.Announcer` sending ``count`` announcements ``interval`` s apart.

    The first goes out before ``announce`` returns.  The rest, and the closing of the
    socket, happen in the background: closing a packet socket waits for an RCU grace period
    (~15 ms measured here), which ``start`` should not pay.  ``background="fork"`` (scripts):
    a double-forked child with stdio on /dev/null, so the caller's pipes see EOF at once;
    ``"thread"`` (in-process callers): a thread; ``"none"``: inline, blocking.
    """

    def __init__(
        self,
        count: int = 5,
        interval: float = 0.2,
        background: str = "fork",
        still_owned: Callable[[str], bool] | None = None,
    ) -> None:
        if background not in ("fork", "thread", "none"):
            raise ValueError("background must be fork, thread or none")
        self.count = max(1, min(count, 100))
        self.interval = max(0.0, min(interval, 10.0))
        self.background = background
        # Asked before each later announcement: once the address is stopped here, we must
        # not pull clients back to this node (a quick stop after start, a failover).
        self.still_owned = still_owned

    def announce(self, ifname: str, ip: str) -> str | None:
        try:
            mac = mac_of(ifname)
            frames = [arp_frame(mac, ip, 1), arp_frame(mac, ip, 2)]
            s = open_socket()
        except (OSError, ValueError) as exc:
            return f"{ifname}: {exc}"
        try:
            send_frames(s, ifname, frames)
        except OSError as exc:
            s.close()
            return f"{ifname}: {exc}"
        if self.background == "fork":
            _detach(lambda: self._rest(s, ifname, ip, frames))
            s.close()  # the child still holds the socket: this close does not wait
        elif self.background == "thread":
            # Not a daemon thread: a short-lived caller (the CLI) exits only after the
            # last announcement (count x interval, 0.8 s by default).
            args = (s, ifname, ip, frames)
            threading.Thread(target=self._rest, args=args, name="garp", daemon=False).start()
        else:
            self._rest(s, ifname, ip, frames)
        return None

    def _rest(self, s: socket.socket, ifname: str, ip: str, frames: list[bytes]) -> None:
        try:
            for _ in range(self.count - 1):
                time.sleep(self.interval)
                with contextlib.suppress(Exception):
                    if self.still_owned is not None and not self.still_owned(ip):
                        return
                with contextlib.suppress(OSError):
                    send_frames(s, ifname, frames)
        finally:
            s.close()


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
