"""EDGE: the kernel socket filter on a heartbeat UDP socket: once every peer is heard on a
link, datagrams from any other source address are dropped by the kernel before they are
queued, so a flood from a host on the LAN never reaches Python nor pushes the peers'
heartbeats out of the receive queue.

The filter is classic BPF (``SO_ATTACH_FILTER``), written here: load the IPv4 source
address (``SKF_NET_OFF + 12``: the network header, seen from a UDP socket whose data
starts at the UDP header), compare it with each allowed address, keep the datagram on a
match, drop it otherwise.  Which addresses, and when: ``Engine.peer_sources``
(membership/engine.py) — every peer alive and heard on the link, else no filter at all.

``kernel_drops(sock)`` reads the socket's drop counter (``SO_MEMINFO``): datagrams the
filter refused plus those that found the queue full.
"""

from __future__ import annotations

import array
import ipaddress
import socket
import struct
from collections.abc import Iterable

SO_ATTACH_FILTER = 26
SO_DETACH_FILTER = 27
SO_MEMINFO = 55
SK_MEMINFO_DROPS = 8
SK_MEMINFO_VARS = 9

BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K
SKF_NET_OFF = -0x100000
IP_SRC = (SKF_NET_OFF + 12) & 0xFFFFFFFF
KEEP = 0xFFFFFFFF  # keep the whole datagram
DROP = 0
MAX_ADDRESSES = 64  # a jump offset is one byte; a cluster has far fewer peers


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(addresses: Iterable[str]) -> bytes:
    """The filter (struct sock_filter[]) keeping datagrams whose IPv4 source is one of
    ``addresses``; ValueError for a bad address, none at all, or too many."""
    words = sorted({int(ipaddress.IPv4Address(a)) for a in addresses})
    if not words or len(words) > MAX_ADDRESSES:
        raise ValueError(f"a peer filter needs 1-{MAX_ADDRESSES} addresses, got {len(words)}")
    n = len(words)
    code = [_insn(BPF_LD_W_ABS, 0, 0, IP_SRC)]
    for pos, word in enumerate(words, start=1):
        code.append(_insn(BPF_JEQ_K, n + 1 - pos, 0, word))  # match: jump to KEEP
    code += [_insn(BPF_RET_K, 0, 0, DROP), _insn(BPF_RET_K, 0, 0, KEEP)]
    return b"".join(code)


def attach(sock: socket.socket, addresses: Iterable[str]) -> None:
    """Let only ``addresses`` through ``sock`` (replaces a filter already attached)."""
    code = program(addresses)
    buf = array.array("B", code)
    address, _ = buf.buffer_info()
    fprog = struct.pack("@HP", len(code) // 8, address)  # struct sock_fprog
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)  # the kernel copies it


def detach(sock: socket.socket) -> None:
    """Remove the filter (no-op if none is attached)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_DETACH_FILTER, 0)
    except OSError as exc:
        if exc.errno != 2:  # ENOENT: no filter attached
            raise


def kernel_drops(sock: socket.socket) -> int | None:
    """Datagrams the kernel dropped for this socket (filter + full queue), or None."""
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 4 * SK_MEMINFO_VARS)
    except OSError:
        return None
    values = struct.unpack(f"={len(raw) // 4}I", raw[: len(raw) // 4 * 4])
    return values[SK_MEMINFO_DROPS] if len(values) > SK_MEMINFO_DROPS else None
