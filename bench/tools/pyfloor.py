#!/usr/bin/env python3
"""The floor of a heartbeat node written in Python: only the work no Python node can skip.

    python3 bench/tools/pyfloor.py NAME PEER BROADCAST KEEPALIVE_MS
    python3 bench/tools/pyfloor.py node1 node2 192.0.2.255 100

bench/perf.py runs it on both nodes of its pair, beside ha_agents, Heartbeat and
keepalived, to show what the idle-CPU and RSS rows would be for *any* Python daemon on
this machine.  Each keepalive it wakes once (epoll, as ha_agents' quiet links do), reads
every waiting datagram with its kernel receive time, verifies each one's HMAC-SHA1, splits
its ``name=value`` lines and keeps the peer's sequence number and arrival time; then it
builds its own status message, signs it and broadcasts it.  A peer silent for five
keepalives is reported on stdout, so the loop does the bookkeeping a deadtime needs.

What it leaves out, compared with a real node: retransmission, generations, link
states, the membership and failover rules, the API, status and logging.  It depends on
nothing but the standard library (not even argparse: its ~1 MB would count in the RSS
row) and is not part of ha_agents.
"""

from __future__ import annotations

import sys

# Python's own sha1, as ha-agents run uses it (ha_agents/commands/run.py keeps OpenSSL's
# hashes out): OpenSSL's would add ~3.5 MB to the RSS row
sys.modules["_hashlib"] = None  # type: ignore[assignment]

import hashlib  # noqa: E402
import hmac  # noqa: E402
import select  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

PORT = 694
SO_TIMESTAMPNS = 35


def message(name: str, seq: int) -> bytes:
    return (
        f">>>\nt=status\nst=active\ndt=1f4\nprotocol=1\nsrc={name}\nseq={seq:x}\nhg=1\n"
        f"ts={int(time.time()):x}\nld=0.00 0.00 0.00 1/90 100\nttl=3\n"
    ).encode()


def signer() -> hmac.HMAC:
    """The HMAC-SHA1 both floor nodes sign with (copied for each message)."""
    return hmac.new(b"floor", digestmod=hashlib.sha1)


def sealed(key: hmac.HMAC, name: str, seq: int) -> bytes:
    """Status message ``seq`` of node ``name``, signed."""
    body = message(name, seq)
    sign = key.copy()
    sign.update(body)
    return body + b"auth=1 " + sign.hexdigest().encode() + b"\n<<<\n"


def opened(key: hmac.HMAC, data: bytes, src: bytes) -> int | None:
    """The seq of ``data`` if it is a message from ``src`` (``b"src=NAME"``) signed with
    ``key``; None for anything else (our own broadcast heard back, a bad signature)."""
    body, _, auth = data.rpartition(b"auth=1 ")
    lines = body.split(b"\n")
    if src not in lines:
        return None
    check = key.copy()
    check.update(body)
    if not hmac.compare_digest(check.hexdigest().encode(), auth[:40]):
        return None
    return int(dict(line.split(b"=", 1) for line in lines if b"=" in line)[b"seq"], 16)


def main() -> int:
    if len(sys.argv) != 5 or not sys.argv[4].isdigit():
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    name, peer, bcast, keepalive = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) / 1000
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.bind(("", PORT))
    sock.setblocking(False)
    poller = select.epoll()
    key = signer()
    peer_seq, peer_heard, seq, due = -1, time.monotonic(), 0, time.monotonic()
    src = f"src={peer}".encode()
    while True:
        poller.poll(max(0.0, due - time.monotonic()))
        now = time.monotonic()
        while True:
            try:
                data, _anc, _flags, _addr = sock.recvmsg(2048, 64)
            except BlockingIOError:
                break
            heard = opened(key, data, src)
            if heard is not None:
                peer_seq, peer_heard = heard, now
        if now - peer_heard > 5 * keepalive:
            print(f"{peer} silent since seq {peer_seq}", flush=True)
            peer_heard = now
        if now >= due:
            seq += 1
            sock.sendto(sealed(key, name, seq), (bcast, PORT))
            due += keepalive


if __name__ == "__main__":
    raise SystemExit(main())
