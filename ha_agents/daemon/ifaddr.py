"""EDGE: IPv4 addresses and broadcast address of the local interfaces (``ip -j addr``)."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IfInfo:
    name: str
    index: int
    addresses: tuple[str, ...]
    broadcast: str | None


def interfaces() -> dict[str, IfInfo]:
    """Every interface with its IPv4 addresses; {} if ``ip`` is missing or fails."""
    try:
        out = subprocess.run(
            ["ip", "-j", "-4", "addr", "show"],
            capture_output=True,
            check=True,
            timeout=10,
            text=True,
        ).stdout
        data = json.loads(out or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    result: dict[str, IfInfo] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("ifname"), str):
            continue
        addrs: list[str] = []
        bcast: str | None = None
        for info in entry.get("addr_info", []):
            if isinstance(info, dict) and info.get("family") == "inet":
                addrs.append(str(info.get("local")))
                if bcast is None and info.get("broadcast"):
                    bcast = str(info["broadcast"])
                elif bcast is None and isinstance(info.get("prefixlen"), int):
                    # no brd configured: the directed broadcast of the subnet
                    net = ipaddress.IPv4Interface(f"{info.get('local')}/{info['prefixlen']}")
                    if net.network.prefixlen < 31:
                        bcast = str(net.network.broadcast_address)
        result[entry["ifname"]] = IfInfo(
            entry["ifname"], int(entry.get("ifindex", 0)), tuple(addrs), bcast
        )
    return result


def local_addresses(infos: dict[str, IfInfo]) -> frozenset[str]:
    return frozenset(a for info in infos.values() for a in info.addresses)
