"""EDGE: the netlink (pyroute2) implementation of :class:`logic.AddressManager`.

pyroute2 raises ``NetlinkError`` with an errno ``code`` for kernel refusals; EEXIST on add
and EADDRNOTAVAIL on delete mean the address is already where we want it, so they are
reported as successes ("exists", "absent") and start/stop stay idempotent.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from types import TracebackType
from typing import Any

from pyroute2 import IPRoute, NetlinkError

from ha_agents.agents.ipaddr.logic import AddrInfo, OpResult

MAIN_TABLE = 254


class NetlinkAddressManager:
    """Addresses and routes of the current network namespace."""

    def __init__(self) -> None:
        self._ipr: Any = IPRoute()

    def close(self) -> None:
        self._ipr.close()

    def __enter__(self) -> NetlinkAddressManager:
        return self

    def __exit__(
        self,
        et: type[BaseException] | None,
        ev: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _index(self, ifname: str) -> int | None:
        found = self._ipr.link_lookup(ifname=ifname)
        return int(found[0]) if found else None

    def _name(self, index: int) -> str:
        links = self._ipr.get_links(index)
        return str(links[0].get_attr("IFLA_IFNAME")) if links else str(index)

    def link_exists(self, ifname: str) -> bool:
        return self._index(ifname) is not None

    def find(self, ip: str) -> AddrInfo | None:
        for msg in self._ipr.get_addr(family=socket.AF_INET, address=ip):
            if msg.get_attr("IFA_ADDRESS") == ip or msg.get_attr("IFA_LOCAL") == ip:
                ifname = self._name(int(msg["index"]))
                label = msg.get_attr("IFA_LABEL") or ifname
                return AddrInfo(ifname, int(msg["prefixlen"]), str(label))
        return None

    def connected(self, ip: str, nic: str | None) -> tuple[str, int] | None:
        """The most specific main-table route containing ``ip`` that names an interface."""
        addr = ipaddress.IPv4Address(ip)
        want = self._index(nic) if nic else None
        best: tuple[int, int] | None = None
        for r in self._ipr.get_routes(family=socket.AF_INET, table=MAIN_TABLE):
            dst, plen, oif = r.get_attr("RTA_DST"), int(r["dst_len"]), r.get_attr("RTA_OIF")
            if dst is None or plen == 0 or oif is None:
                continue
            if want is not None and oif != want:
                continue
            net = ipaddress.IPv4Network(f"{dst}/{plen}", strict=False)
            if addr in net and (best is None or plen > best[1]):
                best = (int(oif), plen)
        if best is None:
            return None
        return self._name(best[0]), best[1]

    def labels(self, ifname: str) -> set[str]:
        index = self._index(ifname)
        if index is None:
            return set()
        return {
            str(m.get_attr("IFA_LABEL"))
            for m in self._ipr.get_addr(family=socket.AF_INET, index=index)
            if m.get_attr("IFA_LABEL")
        }

    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> OpResult:
        index = self._index(ifname)
        if index is None:
            return OpResult(False, "error", f"no interface {ifname}")
        ip, _, plen = cidr.partition("/")
        kw: dict[str, Any] = {"index": index, "address": ip, "prefixlen": int(plen)}
        if label:
            kw["label"] = label
        if broadcast:
            kw["broadcast"] = broadcast
        try:
            self._ipr.addr("add", **kw)
        except NetlinkError as exc:
            if exc.code == errno.EEXIST:
                return OpResult(True, "exists", f"{cidr} already on {ifname}")
            return OpResult(False, "error", f"{errno.errorcode.get(exc.code, exc.code)}: {exc}")
        return OpResult(True, "added")

    def remove(self, ifname: str, cidr: str) -> OpResult:
        index = self._index(ifname)
        if index is None:
            return OpResult(True, "absent", f"no interface {ifname}")
        ip, _, plen = cidr.partition("/")
        try:
            self._ipr.addr("del", index=index, address=ip, prefixlen=int(plen))
        except NetlinkError as exc:
            if exc.code == errno.EADDRNOTAVAIL:
                return OpResult(True, "absent")
            return OpResult(False, "error", f"{errno.errorcode.get(exc.code, exc.code)}: {exc}")
        return OpResult(True, "removed")
