#!/usr/bin/env python3
"""Capture what a real Heartbeat 3.0.6 writes on a serial line.

Usage (as root, Debian 'heartbeat' and 'socat' installed, from the repository root)::

    .venv/bin/python tools/serial_capture.py [--seconds 4] \
        > tests/data/serial/heartbeat-3.0.6-frames.txt

Two Heartbeat nodes (node1, node2) run in the network-namespace lab (tests/lab), joined
only by a socat pty pair (``serial <tty>``, ``baud 19200``, keepalive 1, deadtime 5,
authkeys ``1 sha1 ha-agents-lab-secret``), with socat's hex dump (``-x -v``) of the
traffic.  Once both see each other active (plus ``--seconds``), the frames that node2
wrote (start-up, join) are printed on stdout, byte for byte.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lab import Lab, wait_until
from tests.lab.serial import pty_pair

HA_CF = (
    "keepalive 1\ndeadtime 5\ninitdead 10\nbaud 19200\nserial {tty}\nauto_failback on\n"
    "node node1\nnode node2\n"
)
_HEX_LINE = re.compile(rb"^ ((?:[0-9a-f]{2} )+)")
_DIRECTION = re.compile(rb"^([<>]) \d{4}/\d\d/\d\d ")


def frames_from_dump(dump: bytes, direction: bytes) -> bytes:
    """The bytes socat reported for one direction (``<``: right to left)."""
    out = bytearray()
    current = b""
    for line in dump.splitlines():
        m = _DIRECTION.match(line)
        if m:
            current = m.group(1)
            continue
        h = _HEX_LINE.match(line)
        if h and current == direction:
            out += bytes.fromhex(h.group(1).decode())
    return b"".join(re.findall(rb">>>\n.*?<<<\n", bytes(out), re.S))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="capture after both are active")
    args = ap.parse_args()
    with Lab("cap") as lab:
        h1 = lab.add_host("n1", lab.cidr(11))
        h2 = lab.add_host("n2", lab.cidr(12))
        dump = lab.tmpdir / "socat.dump"
        a, b = pty_pair(lab, h1, dump=dump)
        n1 = lab.add_heartbeat_node(h1, "node1", HA_CF.format(tty=a))
        n2 = lab.add_heartbeat_node(h2, "node2", HA_CF.format(tty=b))
        n1.start()
        n2.start()
        up = wait_until(
            lambda: n1.nodestatus("node2") == "active" and n2.nodestatus("node1") == "active", 60
        )
        if not up:
            print("the two Heartbeat nodes did not see each other", file=sys.stderr)
            return 1
        time.sleep(args.seconds)
        sys.stdout.buffer.write(frames_from_dump(dump.read_bytes(), b"<"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
