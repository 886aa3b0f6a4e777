"""EDGE: :class:`logic.AddressManager` on a bare rtnetlink socket (standard library only).

The daemon's in-process address changes use this instead of pyroute2 (netlink.py): the
same four kernel conversations (dump addresses, dump the main routing table, add, delete)
without pyroute2's ~23 MB of resident modules nor its ~100 ms import on the takeover path.
Same results as netlink.py: EEXIST on add and EADDRNOTAVAIL on delete are successes
("exists", "absent"), so start and stop stay idempotent.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import os
import socket
import struct
from collections.abc import Iterator
from types import TracebackType

from ha_agents.agents.ipaddr.logic import AddrInfo, OpResult

NLMSG = struct.Struct("=IHHII")  # len, type, flags, seq, pid
IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index
RTMSG = struct.Struct("=BBBBBBBBI")  # family, dst_len, src_len, tos, table, proto, scope, type
RTATTR = struct.Struct("=HH")  # len, type
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, RTM_GETROUTE = 20, 21, 22, 26
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x300, 0x200, 0x400
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST = 1, 2, 3, 4
RTA_DST, RTA_OIF, RTA_TABLE = 1, 4, 15
MAIN_TABLE = 254
Attrs = dict[int, bytes]


def _failed(exc: OSError) -> OpResult:
    code = exc.errno or 0
    return OpResult(False, "error", f"{errno.errorcode.get(code, code)}: {exc}")


def _attrs(data: bytes, offset: int) -> Attrs:
    out: Attrs = {}
    while offset + 4 <= len(data):
        length, kind = RTATTR.unpack_from(data, offset)
        if length < 4:
            break
        out.setdefault(kind, data[offset + 4 : offset + length])
        offset += (length + 3) & ~3
    return out


def _attr(kind: int, value: bytes) -> bytes:
    raw = RTATTR.pack(4 + len(value), kind) + value
    return raw + b"\0" * (-len(raw) % 4)


def _addr_body(index: int, cidr: str) -> bytes:
    """An IPv4 ``ifaddrmsg`` for ``cidr`` on interface ``index``, local = address."""
    ip, _, plen = cidr.partition("/")
    packed = socket.inet_aton(ip)
    body = IFADDRMSG.pack(socket.AF_INET, int(plen), 0, 0, index)
    return body + _attr(IFA_LOCAL, packed) + _attr(IFA_ADDRESS, packed)


class RtnlAddressManager:
    """Addresses and routes of the current network namespace over one netlink socket."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = itertools.count(1)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RtnlAddressManager:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the conversation ------------------------------------------------------------------
    def _request(self, kind: int, flags: int, body: bytes) -> Iterator[tuple[int, bytes]]:
        """Send one request; yield (type, payload) of each answer; raise OSError(errno)."""
        seq = next(self.seq)
        self.sock.send(NLMSG.pack(NLMSG.size + len(body), kind, flags, seq, 0) + body)
        while True:
            data = self.sock.recv(1 << 16)
            offset = 0
            while offset + NLMSG.size <= len(data):
                length, mtype, _flags, mseq, _pid = NLMSG.unpack_from(data, offset)
                payload = data[offset + NLMSG.size : offset + length]
                offset += (length + 3) & ~3
                if mseq != seq:
                    continue
                if mtype == NLMSG_DONE:
                    return
                if mtype == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", payload)[0]
                    if code:
                        raise OSError(code, os.strerror(code))
                    return
                yield mtype, payload
                if not flags & NLM_F_DUMP:
                    return

    def _addresses(self) -> Iterator[tuple[int, int, Attrs]]:
        """(index, prefixlen, attributes) of every IPv4 address."""
        body = IFADDRMSG.pack(socket.AF_INET, 0, 0, 0, 0)
        for _kind, payload in self._request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, body):
            family, plen, _f, _scope, index = IFADDRMSG.unpack_from(payload)
            if family == socket.AF_INET:
                yield index, plen, _attrs(payload, IFADDRMSG.size)

    @staticmethod
    def _index(ifname: str) -> int | None:
        try:
            return socket.if_nametoindex(ifname)
        except OSError:
            return None

    @staticmethod
    def _name(index: int) -> str:
        try:
            return socket.if_indextoname(index)
        except OSError:
            return str(index)

    # -- AddressManager --------------------------------------------------------------------
    def link_exists(self, ifname: str) -> bool:
        return self._index(ifname) is not None

    def find(self, ip: str) -> AddrInfo | None:
        packed = socket.inet_aton(ip)
        for index, plen, attrs in self._addresses():
            if packed in (attrs.get(IFA_LOCAL), attrs.get(IFA_ADDRESS)):
                ifname = self._name(index)
                label = attrs.get(IFA_LABEL, b"").rstrip(b"\0").decode() or ifname
                return AddrInfo(ifname, plen, label)
        return None

    def labels(self, ifname: str) -> set[str]:
        index = self._index(ifname)
        return {
            attrs[IFA_LABEL].rstrip(b"\0").decode()
            for i, _plen, attrs in self._addresses()
            if i == index and attrs.get(IFA_LABEL)
        }

    def connected(self, ip: str, nic: str | None) -> tuple[str, int] | None:
        """The most specific main-table route containing ``ip`` that names an interface."""
        addr = ipaddress.IPv4Address(ip)
        want = self._index(nic) if nic else None
        best: tuple[int, int] | None = None
        body = RTMSG.pack(socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)
        for _kind, payload in self._request(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, body):
            plen, table = payload[1], payload[4]
            attrs = _attrs(payload, RTMSG.size)
            if RTA_TABLE in attrs:
                table = struct.unpack("=I", attrs[RTA_TABLE])[0]
            dst, oif = attrs.get(RTA_DST), attrs.get(RTA_OIF)
            if table != MAIN_TABLE or dst is None or plen == 0 or oif is None:
                continue
            index = struct.unpack("=I", oif)[0]
            net = ipaddress.IPv4Network((dst, plen), strict=False)
            if (want is None or index == want) and addr in net and (best is None or plen > best[1]):
                best = (index, plen)
        return None if best is None else (self._name(best[0]), best[1])

    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> OpResult:
        index = self._index(ifname)
        if index is None:
            return OpResult(False, "error", f"no interface {ifname}")
        body = _addr_body(index, cidr)
        if broadcast:
            body += _attr(IFA_BROADCAST, socket.inet_aton(broadcast))
        if label and label != ifname:
            body += _attr(IFA_LABEL, label.encode() + b"\0")
        flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
        try:
            list(self._request(RTM_NEWADDR, flags, body))
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                return OpResult(True, "exists", f"{cidr} already on {ifname}")
            return _failed(exc)
        return OpResult(True, "added")

    def remove(self, ifname: str, cidr: str) -> OpResult:
        index = self._index(ifname)
        if index is None:
            return OpResult(True, "absent", f"no interface {ifname}")
        try:
            list(self._request(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, _addr_body(index, cidr)))
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                return OpResult(True, "absent")
            return _failed(exc)
        return OpResult(True, "removed")
