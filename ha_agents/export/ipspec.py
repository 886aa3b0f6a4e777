"""The ``IP[/BITS[/NIC[:LABEL][/BROADCAST]]]`` argument of IPaddr, IPaddr2 and bare IPs.

The field rules are those of Heartbeat's resource.d wrappers (docs/heartbeat/resources.md §6): the
first field is the address, the second the netmask, the third the interface unless it
starts with a digit (then it is the broadcast address), the fourth the broadcast.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IpSpec:
    ip: str
    prefix: int | None = None  # netmask as a prefix length
    nic: str | None = None  # base interface (no label)
    label: str | None = None  # the part after ':' in eth0:web
    broadcast: str | None = None

    @property
    def cidr(self) -> str:
        return f"{self.ip}/{self.prefix}" if self.prefix is not None else self.ip


def _prefix(mask: str) -> int | None:
    """``24`` or ``255.255.255.0`` -> 24; anything else -> None."""
    if mask.isdigit():
        bits = int(mask)
        return bits if 0 <= bits <= 32 else None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def parse_ip_arg(text: str) -> IpSpec | str:
    """Parse the wrapper argument; return an :class:`IpSpec` or an error message."""
    fields = text.split("/")
    ip = fields[0]
    if not _is_ipv4(ip):
        return f"{ip!r} is not an IPv4 address"
    prefix: int | None = None
    if len(fields) > 1 and fields[1]:
        prefix = _prefix(fields[1])
        if prefix is None:
            return f"{fields[1]!r} is not a netmask (bits 0-32 or a dotted mask)"
    nic: str | None = None
    label: str | None = None
    broadcast: str | None = None
    if len(fields) > 2 and fields[2]:
        third = fields[2]
        if third[0].isdigit():
            broadcast = third
        else:
            nic, _, rest = third.partition(":")
            label = rest or None
            if len(fields) > 3 and fields[3]:
                broadcast = fields[3]
    if broadcast is not None and not _is_ipv4(broadcast):
        return f"broadcast {broadcast!r} is not an IPv4 address"
    if len(fields) > 4 or (broadcast is not None and len(fields) > 3 and fields[2][0].isdigit()):
        return f"too many '/' fields in {text!r}"
    return IpSpec(ip, prefix, nic, label, broadcast)
