"""Numbers for the ops layer (not a test): ``.venv/bin/python tests/ops/measure.py`` (root).

Two real daemons in lab namespaces; node1 runs with NOTIFY_SOCKET, WATCHDOG_USEC=1 s and
--metrics-address.  Prints: READY delay after the process start, the watchdog ping gaps,
the `ha-agents reload` round trip (CLI start included) and a metrics scrape.
"""

from __future__ import annotations

import itertools
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.lab.agentnode import medium, wait_status
from tests.lab.netns import Lab
from tests.ops.helpers import OpsNode

NODES = ["node1", "node2"]


def main() -> int:
    with Lab("om") as lab:
        hosts = [lab.add_host(n, lab.cidr(11 + i)) for i, n in enumerate(NODES)]
        media = [medium("bcast", "eth0")]
        peer = OpsNode(lab.tmpdir, "node2", NODES, media, host=hosts[1])
        peer.start()
        node = OpsNode(lab.tmpdir, "node1", NODES, media, host=hosts[0])
        path = lab.tmpdir / "notify"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(path))
            sock.settimeout(0.5)
            node.configure(
                extra=["--metrics-address", "127.0.0.1:9694"],
                env={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000"},
            )
            t0 = time.monotonic()
            node.start(wait_socket=False)
            deadline = t0 + 15
            while time.monotonic() < deadline and b"READY=1" not in sock.recv(4096):
                pass
            print(f"READY=1 {time.monotonic() - t0:.2f} s after the process start")
            pings: list[float] = []
            end = time.monotonic() + 10
            while time.monotonic() < end:
                try:
                    if sock.recv(4096) == b"WATCHDOG=1":
                        pings.append(time.monotonic())
                except TimeoutError:
                    continue
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        print(
            f"WATCHDOG=1: {len(pings)} in 10 s, gap mean {statistics.mean(gaps):.3f} s, "
            f"max {max(gaps):.3f} s (expected 0.500)"
        )
        wait_status(lambda: peer.nodestatus("node1"), "active", 5)
        times = []
        for _ in range(5):
            t = time.monotonic()
            assert node.cli("reload").returncode == 0
            times.append(time.monotonic() - t)
        print(f"ha-agents reload round trip: median {statistics.median(times):.2f} s")
        times = []
        for _ in range(5):
            t = time.monotonic()
            hosts[0].run(["curl", "-sS", "-o", "/dev/null", "http://127.0.0.1:9694/metrics"])
            times.append(time.monotonic() - t)
        print(
            f"metrics scrape (curl in the namespace): "
            f"median {statistics.median(times) * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
