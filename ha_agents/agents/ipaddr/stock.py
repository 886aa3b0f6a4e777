"""EDGE: the heartbeat package's own ``resource.d/IPaddr`` and ``IPaddr2``, run in-process.

An upgraded node keeps the /etc/ha.d that the Debian heartbeat package installed, so
``IPaddr::192.0.2.50/24/eth0`` resolves to Heartbeat's shell wrapper, which calls the OCF
IPaddr of resource-agents (status, then start: seconds of shell, sed and ifconfig on a
loaded machine).  :class:`StockIPaddrRunner` recognises those two wrappers by content
(their SHA-256, :data:`STOCK`) and does the same work itself, with
the same outcome, observed on Debian's heartbeat 3.0.6 + resource-agents 4.12 and checked
by tests/agent/test_ipaddr_stock.py against the real script:

* ``IPaddr``: the address with the first free alias label ``NIC:N`` (``ifconfig NIC:N IP
  netmask M broadcast B``), broadcast given or computed; then send_arp's announcements:
  10 rounds 500 ms apart, each an ARP request and, half an interval later, an ARP reply
  (target MAC = our MAC), unpadded 42-byte frames;
* ``IPaddr2``: the address on the bare interface (no label), broadcast only when given;
  5 rounds 200 ms apart;
* status prints ``INFO:  Running OK`` (0) or ``INFO:  Resource is stopped`` (7), start and
  stop ``INFO:  Success``; a usage error or a kernel refusal exits 1.

The work runs in the event loop itself (a few netlink round trips, about a millisecond:
less than handing it to a thread) and the announcements on the loop's timers, so the
daemon starts no thread and no process for it.

Any other script, or an argv that is not ``WRAPPER ADDRESS ACTION``, goes to the wrapped
runner.  failover.cf ``stock_ipaddr script`` turns this off (daemon/runners.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import os
import socket
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ha_agents.agents.ipaddr import logic
from ha_agents.agents.ipaddr.garp import ETH_P_ARP, mac_of, open_socket
from ha_agents.agents.ipaddr.rtnl import RtnlAddressManager
from ha_agents.resources.outcome import RunResult, ScriptRunner

#: SHA-256 of the wrappers as the heartbeat 3.0.6 package (Debian) installs them.
STOCK = {
    "c53184acddad1bc7894e0477a1351621c3e46cf1924c8ff410410b51e26f4b5c": "IPaddr",
    "220eb0a8ba5b8b132a04503d367613210a72edcda030dcc726398c8121f5c017": "IPaddr2",
}
NOT_RUNNING = 7  # OCF_NOT_RUNNING, what the wrapper's status returns for "stopped"
ACTIONS = ("start", "stop", "status")  # monitor pings the address: left to the script


@dataclass(frozen=True, slots=True)
class Flavour:
    alias: bool  # label NIC:N (IPaddr) or the bare interface (IPaddr2)
    broadcast: bool  # computed when not given (IPaddr) or left out (IPaddr2)
    rounds: int
    interval: float  # seconds between rounds; the reply goes out half-way


FLAVOURS = {
    "IPaddr": Flavour(alias=True, broadcast=True, rounds=10, interval=0.5),
    "IPaddr2": Flavour(alias=False, broadcast=False, rounds=5, interval=0.2),
}
_seen: dict[tuple[str, int, int, int], str | None] = {}


def stock_kind(path: str) -> str | None:
    """``"IPaddr"``/``"IPaddr2"`` if ``path`` is one of the stock wrappers, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (os.path.realpath(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _seen:
        try:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read(1 << 16)).hexdigest()
        except OSError:
            return None
        _seen[key] = STOCK.get(digest)
    return _seen[key]


def arp_frame(mac: bytes, ip: str, op: int) -> bytes:
    """send_arp's frame: broadcast, request (target MAC zero) or reply (target = ours)."""
    spa = socket.inet_aton(ip)
    tha = b"\0" * 6 if op == 1 else mac
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + spa + tha + spa
    return b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp


class Announcements:
    """send_arp's rounds, on the event loop's timers (no thread, no process): the first
    request at once, then reply and request alternately every ``interval / 2``, until
    the rounds are done or the address is stopped (:meth:`cancel`)."""

    def __init__(self) -> None:
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.sockets: dict[str, socket.socket] = {}

    def start(self, ifname: str, ip: str, flavour: Flavour) -> str | None:
        self.cancel(ip)
        try:
            mac = mac_of(ifname)
            sock = open_socket()
        except OSError as exc:
            return f"{ifname}: {exc}"
        frames = (arp_frame(mac, ip, 1), arp_frame(mac, ip, 2))
        loop = asyncio.get_running_loop()

        def send(i: int) -> None:
            with contextlib.suppress(OSError):
                sock.sendto(frames[i % 2], (ifname, ETH_P_ARP))
            if i + 1 < flavour.rounds * 2:
                self.pending[ip] = loop.call_later(flavour.interval / 2, send, i + 1)
            else:
                self.pending.pop(ip, None)
                self.sockets.pop(ip, None)
                sock.close()

        send(0)
        self.sockets[ip] = sock
        return None

    def cancel(self, ip: str) -> None:
        handle = self.pending.pop(ip, None)
        if handle is not None:
            handle.cancel()
        sock = self.sockets.pop(ip, None)
        if sock is not None:
            sock.close()


def start(p: logic.IPaddrParams, mgr: logic.AddressManager, f: Flavour) -> tuple[int, str]:
    planned = logic.plan(p, mgr)
    if isinstance(planned, str):
        return 1, f"ERROR:  {planned}"
    ifname, prefix = planned
    label = logic.free_label(ifname, mgr.labels(ifname)) if f.alias else ifname
    bcast = str(p.broadcast) if p.broadcast else None
    if bcast is None and f.broadcast:
        bcast = logic.broadcast_of(p.ip, prefix)
    res = mgr.add(ifname, f"{p.ip}/{prefix}", label, bcast)
    if not res.ok:
        return 1, f"ERROR:  adding {p.ip}/{prefix} to {ifname} failed: {res.detail}"
    return 0, "INFO:  Success"


def run(kind: str, arg: str, action: str) -> tuple[int, str, str | None]:
    """One wrapper call: (exit code, the line it prints, the interface to announce on
    after a start)."""
    p = logic.parse_heartbeat(arg)
    if isinstance(p, str):
        return 1, f"ERROR:  {p}", None
    ip = str(p.ip)
    with RtnlAddressManager() as mgr:
        if action == "status":
            if mgr.find(ip) is not None:
                return 0, "INFO:  Running OK", None
            return NOT_RUNNING, "INFO:  Resource is stopped", None
        if action == "stop":
            where = mgr.find(ip)
            res = None if where is None else mgr.remove(where.ifname, f"{ip}/{where.prefix}")
            if res is None or res.ok:
                return 0, "INFO:  Success", None
            return 1, f"ERROR:  {res.detail}", None
        if mgr.find(ip) is not None:  # already here: success, no announcement
            return 0, "INFO:  Success", None
        rc, line = start(p, mgr, FLAVOURS[kind])
        where = mgr.find(ip) if rc == 0 else None
    return rc, line, None if where is None else where.ifname


class StockIPaddrRunner:
    """A :class:`ScriptRunner` that runs the stock IPaddr/IPaddr2 wrappers in-process."""

    def __init__(self, fallback: ScriptRunner) -> None:
        self.fallback = fallback
        self.arp = Announcements()
        self.last_added: tuple[str, float] | None = None  # (address, monotonic time)

    def stock(self, argv: Sequence[str]) -> str | None:
        if len(argv) != 3 or argv[2] not in ACTIONS or not argv[1][:1].isdigit():
            return None
        with contextlib.suppress(ValueError):
            ipaddress.IPv4Address(argv[1].split("/", 1)[0])
            return stock_kind(argv[0])
        return None

    async def run(
        self, argv: Sequence[str], env: Mapping[str, str], timeout: float, cwd: str | None = None
    ) -> RunResult:
        """In the loop itself: a status or start is a few netlink round trips (~1 ms)."""
        kind = self.stock(argv)
        if kind is None:
            return await self.fallback.run(argv, env, timeout, cwd)
        started = time.monotonic()
        ip, action = argv[1].split("/", 1)[0], argv[2]
        if action == "stop":
            self.arp.cancel(ip)
        try:
            rc, line, ifname = run(kind, argv[1], action)
        except OSError as exc:
            rc, line, ifname = 1, f"ERROR:  {kind}: {exc}", None
        if ifname is not None:
            self.last_added = (ip, time.monotonic())
            problem = self.arp.start(ifname, ip, FLAVOURS[kind])
            if problem:
                line += f" (gratuitous ARP not sent: {problem})"
        out, err = (line + "\n", "") if rc in (0, NOT_RUNNING) else ("", line + "\n")
        return RunResult(rc, out, err, duration=time.monotonic() - started)
