"""Our capture reader: classic pcap (both byte orders), pcapng, link types, IP cases."""

from __future__ import annotations

import struct

import pytest

from ha_agents.wire.pcap import PcapError, parse_capture
from tests.wire.helpers import pcap_files

PAYLOAD = b"###\n11:(0)t=status,%%%\n3:1 a,"


def _ipv4_udp(payload: bytes, sport: int = 5000, dport: int = 694, frag: int = 0) -> bytes:
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack(
        ">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, frag, 64, 17, 0,
        bytes([192, 0, 2, 11]), bytes([192, 0, 2, 255]),
    )  # fmt: skip
    return hdr + udp


def _ipv6_udp(payload: bytes) -> bytes:
    udp = struct.pack(">HHHH", 5000, 694, 8 + len(payload), 0) + payload
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("ff020000000000000000000000000001")
    return struct.pack(">IHBB", 6 << 28, len(udp), 17, 64) + src + dst + udp


def _ether(ip: bytes, vlan: bool = False, ethertype: int = 0x0800) -> bytes:
    tag = struct.pack(">HH", 0x8100, 7) if vlan else b""
    return b"\xff" * 6 + b"\x02" * 6 + tag + struct.pack(">H", ethertype) + ip


def _classic(frames: list[bytes], linktype: int = 1, bo: str = "<") -> bytes:
    out = struct.pack(bo + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(bo + "IIII", 1700000000 + i, 500000, len(f), len(f)) + f
    return out


def _pcapng(frames: list[bytes], linktype: int = 1) -> bytes:
    def block(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for f in frames:
        ts = 1_700_000_000_250_000
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    return out


def test_classic_little_and_big_endian() -> None:
    for bo in "<>":
        cap = parse_capture(_classic([_ether(_ipv4_udp(PAYLOAD))], bo=bo))
        (p,) = cap.packets
        assert (p.src, p.sport, p.dst, p.dport) == ("192.0.2.11", 5000, "192.0.2.255", 694)
        assert p.payload == PAYLOAD and p.number == 1 and p.time == pytest.approx(1700000000.5)


def test_pcapng_enhanced_packets() -> None:
    cap = parse_capture(
        _pcapng([_ether(_ipv4_udp(PAYLOAD)), _ether(_ipv6_udp(PAYLOAD), ethertype=0x86DD)])
    )
    assert [p.src for p in cap.packets] == ["192.0.2.11", "2001:db8::1"]
    assert cap.packets[0].time == pytest.approx(1_700_000_000.25)


def test_pcapng_from_a_real_capture_matches_classic() -> None:
    real = next(p for p in pcap_files() if p.name == "t0.pcap").read_bytes()
    classic = parse_capture(real)
    frames, pos = [], 24
    while pos < len(real):
        incl = struct.unpack_from("<I", real, pos + 8)[0]
        frames.append(real[pos + 16 : pos + 16 + incl])
        pos += 16 + incl
    ng = parse_capture(_pcapng(frames))
    assert [p.payload for p in ng.packets] == [p.payload for p in classic.packets]


def test_link_types_and_vlan() -> None:
    ip = _ipv4_udp(PAYLOAD)
    sll = struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 8, 0x0800) + ip
    sll2 = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02" * 8) + ip
    cases = [(_ether(ip, vlan=True), 1), (sll, 113), (sll2, 276), (ip, 101), (b"\2\0\0\0" + ip, 0)]
    for frame, linktype in cases:
        (p,) = parse_capture(_classic([frame], linktype)).packets
        assert p.payload == PAYLOAD, linktype


def test_port_filter_fragments_and_non_udp() -> None:
    frames = [
        _ether(_ipv4_udp(PAYLOAD, dport=53)),
        _ether(_ipv4_udp(PAYLOAD, frag=0x2000)),  # more fragments
        _ether(b"\x00" * 28, ethertype=0x0806),  # ARP
        _ether(_ipv4_udp(PAYLOAD, sport=694, dport=40000)),
    ]
    cap = parse_capture(_classic(frames))
    assert [p.number for p in cap.packets] == [4]
    assert any("fragment" in w for w in cap.warnings)
    assert len(parse_capture(_classic(frames), port=None).packets) == 2


def test_truncated_capture_keeps_complete_packets() -> None:
    data = _classic([_ether(_ipv4_udp(PAYLOAD))] * 2)
    cap = parse_capture(data[:-5])
    assert len(cap.packets) == 1 and cap.warnings


def test_snaplen_cut_packet_is_flagged() -> None:
    frame = _ether(_ipv4_udp(PAYLOAD))[:-4]
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    data += struct.pack("<IIII", 1, 0, len(frame), len(frame) + 4) + frame
    (p,) = parse_capture(data).packets
    assert p.truncated and p.payload == PAYLOAD[:-4]


@pytest.mark.parametrize("data", [b"", b"abc", b"not a capture at all", b"\xd4\xc3\xb2\xa1"])
def test_not_a_capture(data: bytes) -> None:
    with pytest.raises(PcapError):
        parse_capture(data)
