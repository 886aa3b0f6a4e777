"""IPaddr: own a virtual IPv4 address on this node (pure logic behind two ports).

Parameters, from Heartbeat's ``IPaddr::IP[/PREFIX[/NIC[/BROADCAST]]]`` (a third field
starting with a digit is the broadcast, as in the v1 wrapper) or from OCF
``OCF_RESKEY_ip``, ``cidr_netmask`` (prefix length or dotted mask), ``nic``, ``broadcast``.

start: already present anywhere → success (idempotent).  Otherwise the interface (and the
prefix, when not given) come from the connected route that contains the address; the
address is added with the first free alias label ``NIC:N`` (so ``ifconfig`` shows it as
Heartbeat's IPaddr did), then announced with gratuitous ARP.
stop: removed from wherever it is; absent → success.
status: present → running.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

IFNAMSIZ = 16


@dataclass(frozen=True, slots=True)
class IPaddrParams:
    ip: ipaddress.IPv4Address
    prefix: int | None = None
    nic: str | None = None
    broadcast: ipaddress.IPv4Address | None = None

    def __str__(self) -> str:
        return str(self.ip) + (f"/{self.prefix}" if self.prefix is not None else "")


@dataclass(frozen=True, slots=True)
class AddrInfo:
    """Where an address is configured."""

    ifname: str
    prefix: int
    label: str


@dataclass(frozen=True, slots=True)
class OpResult:
    """A netlink change: ``code`` is "added", "exists", "removed", "absent" or "error"."""

    ok: bool
    code: str
    detail: str = ""


class AddressManager(Protocol):
    """Port to the kernel's addresses (netlink implementation: ``netlink.py`` here)."""

    def find(self, ip: str) -> AddrInfo | None: ...
    def connected(self, ip: str, nic: str | None) -> tuple[str, int] | None: ...
    def labels(self, ifname: str) -> set[str]: ...
    def link_exists(self, ifname: str) -> bool: ...
    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> OpResult: ...
    def remove(self, ifname: str, cidr: str) -> OpResult: ...


class Announcer(Protocol):
    """Sends gratuitous ARP for ``ip`` on ``ifname``; returns an error text or None."""

    def announce(self, ifname: str, ip: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    message: str
    running: bool | None = None
    configured: bool = True  # False: the parameters are wrong (OCF_ERR_CONFIGURED)


def _prefix(text: str) -> int | None:
    if text.isdigit():
        n = int(text)
        return n if 0 < n <= 32 else None
    try:
        mask = ipaddress.IPv4Address(text)
    except ValueError:
        return None
    bits = int(mask)
    n = bin(bits).count("1")
    return n if n and bits == (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF else None


def _build(ip: str, prefix: str | None, nic: str | None, bcast: str | None) -> IPaddrParams | str:
    try:
        addr = ipaddress.IPv4Address(ip)
    except ValueError:
        return f"not an IPv4 address: {ip!r}"
    if addr.is_unspecified or addr.is_multicast or addr.is_loopback:
        return f"not a usable address: {ip}"
    bits = None
    if prefix:
        bits = _prefix(prefix)
        if bits is None:
            return f"bad netmask {prefix!r} (give a prefix length 1-32 or a dotted mask)"
    if nic is not None and (not nic or len(nic) >= IFNAMSIZ or "/" in nic or nic.isspace()):
        return f"bad interface name {nic!r}"
    b = None
    if bcast:
        try:
            b = ipaddress.IPv4Address(bcast)
        except ValueError:
            return f"bad broadcast address {bcast!r}"
    return IPaddrParams(addr, bits, nic.split(":")[0] if nic else None, b)


def parse_heartbeat(arg: str) -> IPaddrParams | str:
    """``192.0.2.5``, ``192.0.2.5/24``, ``192.0.2.5/24/eth0``, ``…/24/eth0/192.0.2.255``,
    ``…/24/192.0.2.255``.  Returns the parameters or an error text."""
    fields = arg.split("/")
    if len(fields) > 4 or any(f == "" for f in fields[:2]):
        return f"usage: IPaddr::IP[/PREFIX[/NIC[/BROADCAST]]], got {arg!r}"
    ip = fields[0]
    prefix = fields[1] if len(fields) > 1 else None
    nic = fields[2] if len(fields) > 2 and fields[2] else None
    bcast = fields[3] if len(fields) > 3 and fields[3] else None
    if nic is not None and nic[:1].isdigit():
        nic, bcast = None, nic
    return _build(ip, prefix, nic, bcast)


def parse_ocf(env: Mapping[str, str]) -> IPaddrParams | str:
    ip = env.get("OCF_RESKEY_ip", "")
    if not ip:
        return "OCF_RESKEY_ip is required"
    return _build(
        ip,
        env.get("OCF_RESKEY_cidr_netmask") or None,
        env.get("OCF_RESKEY_nic") or None,
        env.get("OCF_RESKEY_broadcast") or None,
    )


def free_label(ifname: str, used: set[str]) -> str:
    """``eth0:0``, or the first free ``eth0:N``; the bare name if an alias would not fit."""
    for n in range(256):
        label = f"{ifname}:{n}"
        if len(label) >= IFNAMSIZ:
            return ifname
        if label not in used:
            return label
    return ifname


def broadcast_of(ip: ipaddress.IPv4Address, prefix: int) -> str | None:
    if prefix >= 31:
        return None
    return str(ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False).broadcast_address)


def status(p: IPaddrParams, mgr: AddressManager) -> Result:
    where = mgr.find(str(p.ip))
    if where is None:
        return Result(True, f"{p.ip} is not configured", running=False)
    return Result(True, f"{p.ip}/{where.prefix} on {where.label or where.ifname}", running=True)


def plan(p: IPaddrParams, mgr: AddressManager) -> tuple[str, int] | str:
    """Interface and prefix for ``p`` (from the routing table when not given)."""
    if p.nic is not None and not mgr.link_exists(p.nic):
        return f"interface {p.nic} does not exist"
    route = mgr.connected(str(p.ip), p.nic)
    if p.nic is not None and p.prefix is not None:
        return p.nic, p.prefix
    if route is None:
        where = f" on {p.nic}" if p.nic else ""
        return (
            f"no interface has a route to {p.ip}{where}; "
            "give it as IPaddr::IP/PREFIX/NIC (OCF: cidr_netmask and nic)"
        )
    ifname, prefix = route
    return (p.nic or ifname), (p.prefix if p.prefix is not None else prefix)


def validate(p: IPaddrParams, mgr: AddressManager) -> Result:
    planned = plan(p, mgr)
    if isinstance(planned, str):
        return Result(False, planned, configured=False)
    return Result(True, f"{p.ip}/{planned[1]} would go on {planned[0]}")


def start(p: IPaddrParams, mgr: AddressManager, announcer: Announcer) -> Result:
    where = mgr.find(str(p.ip))
    if where is not None:
        return Result(True, f"{p.ip} already on {where.label or where.ifname}", running=True)
    planned = plan(p, mgr)
    if isinstance(planned, str):
        return Result(False, planned, configured=False)
    ifname, prefix = planned
    label = free_label(ifname, mgr.labels(ifname))
    bcast = str(p.broadcast) if p.broadcast else broadcast_of(p.ip, prefix)
    res = mgr.add(ifname, f"{p.ip}/{prefix}", label, bcast)
    if not res.ok:
        return Result(False, f"adding {p.ip}/{prefix} to {ifname} failed: {res.detail}")
    err = announcer.announce(ifname, str(p.ip))
    note = f" (gratuitous ARP failed: {err})" if err else ""
    return Result(True, f"{p.ip}/{prefix} added on {label}{note}", running=True)


def stop(p: IPaddrParams, mgr: AddressManager) -> Result:
    where = mgr.find(str(p.ip))
    if where is None:
        return Result(True, f"{p.ip} was not configured", running=False)
    res = mgr.remove(where.ifname, f"{p.ip}/{where.prefix}")
    if not res.ok:
        return Result(False, f"removing {p.ip} from {where.ifname} failed: {res.detail}")
    return Result(True, f"{p.ip} removed from {where.label or where.ifname}", running=False)
