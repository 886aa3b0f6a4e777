"""Extract UDP datagrams from a packet capture (pure: bytes in, packets out).

Our own small parser, no library: classic libpcap files (both byte orders, micro- and
nanosecond timestamps) and pcapng (section header, interface description, enhanced and
simple packet blocks, either byte order).  Link types: Ethernet (with 802.1Q/802.1ad
tags), Linux cooked v1/v2 (``tcpdump -i any``), raw IP, BSD loopback.  Network: IPv4
(fragments are reported and skipped) and IPv6 without extension headers.  Transport:
UDP only.  This is what ``ha-agents decode --pcap`` uses.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

__all__ = ["Capture", "PcapError", "UdpPacket", "parse_capture"]

_LINK_ETHERNET = 1
_LINK_NULL = 0
_LINK_RAW = (101, 12, 14)
_LINK_IPV4 = 228
_LINK_IPV6 = 229
_LINK_SLL = 113
_LINK_SLL2 = 276

_PCAPNG_SHB = 0x0A0D0D0A
_MAX_PACKETS = 10_000_000


class PcapError(Exception):
    """The file is not a capture we can read."""


@dataclass(frozen=True, slots=True)
class UdpPacket:
    number: int  # frame number in the file, 1-based (as tcpdump -r / wireshark count)
    time: float  # capture time, seconds since the epoch
    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes
    truncated: bool = False  # the capture cut the packet short (snaplen)


@dataclass(slots=True)
class Capture:
    packets: list[UdpPacket] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    frames: int = 0


def parse_capture(data: bytes, port: int | None = 694) -> Capture:
    """Every UDP datagram to or from ``port`` (every UDP datagram if None)."""
    if len(data) < 4:
        raise PcapError("file too short to be a capture")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return _classic(data, "<", magic[1] == 0x3C, port)
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return _classic(data, ">", magic[2] == 0x3C, port)
    if struct.unpack("<I", magic)[0] == _PCAPNG_SHB:
        return _pcapng(data, port)
    raise PcapError(f"not a pcap/pcapng file (magic {magic.hex()})")


def _classic(data: bytes, bo: str, nanos: bool, port: int | None) -> Capture:
    if len(data) < 24:
        raise PcapError("truncated pcap file header")
    linktype = struct.unpack_from(bo + "I", data, 20)[0] & 0x0FFFFFFF
    cap = Capture()
    pos = 24
    div = 1e9 if nanos else 1e6
    rec = struct.Struct(bo + "IIII")
    while pos < len(data) and cap.frames < _MAX_PACKETS:
        if pos + 16 > len(data):
            cap.warnings.append(f"truncated record header at offset {pos} (capture cut short)")
            break
        sec, frac, incl, orig = rec.unpack_from(data, pos)
        pos += 16
        if pos + incl > len(data):
            cap.warnings.append(f"truncated packet data at offset {pos} (capture cut short)")
            break
        cap.frames += 1
        _frame(cap, linktype, data[pos : pos + incl], sec + frac / div, incl < orig, port)
        pos += incl
    return cap


def _pcapng(data: bytes, port: int | None) -> Capture:
    cap = Capture()
    pos = 0
    bo = "<"
    ifaces: list[tuple[int, float]] = []  # (linktype, seconds per timestamp unit)
    while pos < len(data) and cap.frames < _MAX_PACKETS:
        if pos + 12 > len(data):
            cap.warnings.append(f"truncated pcapng block at offset {pos}")
            break
        if struct.unpack_from("<I", data, pos)[0] == _PCAPNG_SHB:
            bom = data[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                bo = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                bo = ">"
            else:
                raise PcapError(f"bad pcapng byte-order magic at offset {pos}")
            ifaces = []
        btype, blen = struct.unpack_from(bo + "II", data, pos)
        if blen < 12 or blen % 4 or pos + blen > len(data):
            cap.warnings.append(f"bad or truncated pcapng block at offset {pos}")
            break
        body = data[pos + 8 : pos + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            linktype = struct.unpack_from(bo + "H", body, 0)[0]
            ifaces.append((linktype, _tsresol(body[8:], bo)))
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            iface, hi, lo, caplen, orig = struct.unpack_from(bo + "IIIII", body, 0)
            if iface < len(ifaces) and 20 + caplen <= len(body):
                cap.frames += 1
                lt, unit = ifaces[iface]
                ts = ((hi << 32) | lo) * unit
                _frame(cap, lt, body[20 : 20 + caplen], ts, caplen < orig, port)
            else:
                cap.warnings.append(f"bad enhanced packet block at offset {pos}")
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet
            orig = struct.unpack_from(bo + "I", body, 0)[0]
            pkt = body[4 : 4 + orig]
            cap.frames += 1
            _frame(cap, ifaces[0][0], pkt, 0.0, len(pkt) < orig, port)
        pos += blen
    return cap


def _tsresol(options: bytes, bo: str) -> float:
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(bo + "HH", options, pos)
        if code == 0:
            break
        if code == 9 and length >= 1:
            v = options[pos + 4]
            return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0**-v
        pos += 4 + length + (-length % 4)
    return 1e-6


def _frame(
    cap: Capture, linktype: int, frame: bytes, ts: float, cut: bool, port: int | None
) -> None:
    """Peel link and network headers; record the UDP datagram if it matches ``port``."""
    number = cap.frames
    ethertype: int | None = None
    payload = b""
    if linktype == _LINK_ETHERNET:
        if len(frame) < 14:
            return
        ethertype, off = struct.unpack_from(">H", frame, 12)[0], 14
        while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            ethertype, off = struct.unpack_from(">H", frame, off + 2)[0], off + 4
        payload = frame[off:]
    elif linktype == _LINK_SLL:
        if len(frame) < 16:
            return
        ethertype, payload = struct.unpack_from(">H", frame, 14)[0], frame[16:]
    elif linktype == _LINK_SLL2:
        if len(frame) < 20:
            return
        ethertype, payload = struct.unpack_from(">H", frame, 0)[0], frame[20:]
    elif linktype in _LINK_RAW or linktype in (_LINK_IPV4, _LINK_IPV6):
        payload = frame
        version = frame[0] >> 4 if frame else 0
        ethertype = {4: 0x0800, 6: 0x86DD}.get(version)
    elif linktype == _LINK_NULL:
        if len(frame) < 4:
            return
        payload = frame[4:]
        version = payload[0] >> 4 if payload else 0
        ethertype = {4: 0x0800, 6: 0x86DD}.get(version)
    else:
        if f"link type {linktype}" not in " ".join(cap.warnings):
            cap.warnings.append(f"link type {linktype} not supported; frames skipped")
        return
    if ethertype == 0x0800:
        _ipv4(cap, number, payload, ts, cut, port)
    elif ethertype == 0x86DD:
        _ipv6(cap, number, payload, ts, cut, port)


def _ipv4(cap: Capture, n: int, pkt: bytes, ts: float, cut: bool, port: int | None) -> None:
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return
    ihl = (pkt[0] & 0x0F) * 4
    total = struct.unpack_from(">H", pkt, 2)[0]
    frag = struct.unpack_from(">H", pkt, 6)[0]
    if pkt[9] != 17 or ihl < 20 or len(pkt) < ihl + 8:
        return
    src = str(ipaddress.IPv4Address(pkt[12:16]))
    dst = str(ipaddress.IPv4Address(pkt[16:20]))
    if frag & 0x3FFF:  # more-fragments flag or a fragment offset
        cap.warnings.append(f"frame {n}: IPv4 fragment {src} -> {dst} skipped")
        return
    _udp(cap, n, pkt[ihl : max(total, ihl)], src, dst, ts, cut, port)


def _ipv6(cap: Capture, n: int, pkt: bytes, ts: float, cut: bool, port: int | None) -> None:
    if len(pkt) < 48 or pkt[0] >> 4 != 6 or pkt[6] != 17:
        return
    plen = struct.unpack_from(">H", pkt, 4)[0]
    src = str(ipaddress.IPv6Address(pkt[8:24]))
    dst = str(ipaddress.IPv6Address(pkt[24:40]))
    _udp(cap, n, pkt[40 : 40 + plen], src, dst, ts, cut, port)


def _udp(
    cap: Capture,
    n: int,
    seg: bytes,
    src: str,
    dst: str,
    ts: float,
    cut: bool,
    port: int | None,
) -> None:
    if len(seg) < 8:
        return
    sport, dport, ulen = struct.unpack_from(">HHH", seg, 0)
    if port is not None and port not in (sport, dport):
        return
    payload = seg[8:ulen] if ulen >= 8 else seg[8:]
    truncated = cut or len(payload) < ulen - 8
    cap.packets.append(UdpPacket(n, ts, src, sport, dst, dport, payload, truncated))
