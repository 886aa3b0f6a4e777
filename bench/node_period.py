#!/usr/bin/env python3
"""What one keepalive period costs the pure node (node/node.py), without sockets or a loop.

    .venv/bin/python bench/node_period.py [--periods 5000] [--cold 100]

Two nodes of bench/perf.py's cluster (100 ms/500 ms, bcast, the VIP group on node1) are
wired back to back in virtual time: each period, every node takes the datagrams its peer
sent, ticks, and computes its quiet state and next deadline as the daemon's ``_arm``
does.  Printed, in CPU microseconds per node per period:

* warm: periods run back to back (the caches hold the node's code and data);
* cold: a 100 ms sleep before each period, as in the daemon, where the CPU runs other
  work between two keepalives and the node comes back to cold caches.

The daemon's own figure is bench/perf.py's idle row (CPU % at 100 ms = per-period cost
x 10).  The gap between the two tells how much of it is the pure node and how much the
edge (asyncio, sockets, dispatch); docs/performance.md quotes both.

The same two figures are printed for the Python floor's period (bench/tools/pyfloor.py:
sign and send one status message, read it back on a socket pair, verify and split it),
to show how much of a period's cost is the cold start rather than the work.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ha_agents.config.load import load_config
from ha_agents.node.node import Node, Transmit
from tests.lab.cluster import AUTHKEYS, ClusterSpec

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


def _nodes(root: Path) -> dict[str, Node]:
    spec = ClusterSpec(NODES, keepalive_ms=100, deadtime_ms=500, media="bcast")
    nodes: dict[str, Node] = {}
    for i, name in enumerate(NODES, 1):
        conf = root / name
        conf.mkdir()
        (conf / "ha.cf").write_text(spec.ha_cf(""))
        (conf / "haresources").write_text(spec.haresources())
        (conf / "authkeys").write_text(AUTHKEYS)
        (conf / "authkeys").chmod(0o600)
        config, diags = load_config(str(conf), name)
        if config is None:
            raise SystemExit(f"{conf}: {diags}")
        nodes[name] = Node(config, 5, bytes([i]) * 16, local_addresses=[NODES[name]])
    return nodes


class Pair:
    def __init__(self, nodes: dict[str, Node], now: float) -> None:
        self.nodes, self.now = nodes, now
        self.sent = {name: list(node.start(now)) for name, node in nodes.items()}

    def period(self) -> None:
        self.now += 0.1
        sent: dict[str, list[object]] = {}
        for name, node in self.nodes.items():
            peer = next(p for p in self.nodes if p != name)
            out: list[object] = []
            for item in self.sent[peer]:
                if isinstance(item, Transmit):
                    out += node.datagram(item.data, "eth0", NODES[peer], self.now)
            node.quiet(self.now)
            node.next_deadline()
            out += node.tick(self.now)
            node.quiet(self.now)
            node.next_deadline()
            sent[name] = out
        self.sent = sent


def _floor_period() -> Callable[[int], None]:
    """One period of bench/tools/pyfloor.py's work, on a local socket pair."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
    import pyfloor

    out, back = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    back.setblocking(False)
    key = pyfloor.signer()

    def period(seq: int) -> None:
        out.send(pyfloor.sealed(key, "node1", seq))
        data, _anc, _flags, _addr = back.recvmsg(2048, 64)
        pyfloor.opened(key, data, b"src=node1")

    return period


def _warm_cold(period: Callable[[int], None], warm_n: int, cold_n: int) -> tuple[float, float]:
    """CPU seconds per call back to back, and after a 100 ms sleep each."""
    for i in range(200):
        period(i)
    start = time.thread_time()
    for i in range(warm_n):
        period(i)
    warm = (time.thread_time() - start) / max(warm_n, 1)
    cold = 0.0
    for i in range(cold_n):
        time.sleep(0.1)
        start = time.thread_time()
        period(i)
        cold += time.thread_time() - start
    return warm, cold / max(cold_n, 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--periods", type=int, default=5000, help="warm periods timed")
    p.add_argument("--cold", type=int, default=100, help="cold periods timed (100 ms apart)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pair = Pair(_nodes(Path(tmp)), 1000.0)
    warm, cold = _warm_cold(lambda _i: pair.period(), args.periods, args.cold)
    print(f"pure node, per node per 100 ms period: warm {warm / 2 * 1e6:.1f} us, "
          f"cold {cold / 2 * 1e6:.1f} us")  # fmt: skip
    warm, cold = _warm_cold(_floor_period(), args.periods, args.cold)
    print(f"Python floor, per 100 ms period: warm {warm * 1e6:.1f} us, "
          f"cold {cold * 1e6:.1f} us")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
