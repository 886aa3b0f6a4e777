"""Hostile input on the API socket never blocks or crashes the daemon: garbage, an
oversized frame, half a message then silence, a client that never reads, 500
connections.  Meanwhile the real cl_status keeps getting answers."""

from __future__ import annotations

import json
import os
import socket
import struct
import time

import pytest

from tests.api.cluster import ha_cf, hosts, start
from tests.api.helpers import frame, req, signon
from tests.api.node import AgentsNode
from tests.lab import Lab, wait_until

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]


def _connect(path: str) -> socket.socket:
    """Connect; a full accept queue (EAGAIN) is retried for a bounded while."""
    deadline = time.monotonic() + 10
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _api(node: AgentsNode) -> dict[str, object]:
    doc = json.loads(node.status("--json").stdout)
    api = doc["api"]
    assert isinstance(api, dict)
    return api


def _answers(node: AgentsNode) -> bool:
    t0 = time.monotonic()
    cp = node.cl_status("listnodes", timeout=10)
    return cp.returncode == 0 and cp.stdout == "node2\nnode1\n" and time.monotonic() - t0 < 5


def test_hostile_clients_never_block_the_daemon() -> None:
    with Lab("apih") as lab:
        n1, _n2 = hosts(lab)
        node = start(lab, n1, "node1", "agents", ha_cf("apiauth anon uid=root gid=haclient\n"), "")
        assert isinstance(node, AgentsNode)
        path = str(node.run_dir / "heartbeat" / "register")
        assert oct(os.stat(path).st_mode & 0o777) == "0o777"

        garbage = _connect(path)
        garbage.sendall(os.urandom(4096))
        oversized = _connect(path)
        oversized.sendall(struct.pack("<iI", 1 << 30, 0xABCD) + b"x" * 100)
        half = _connect(path)
        half.sendall(frame(("t", "hbapi-req"), ("reqtype", "signon"))[:20])
        crowd = [_connect(path) for _ in range(500)]
        assert _answers(node)
        assert wait_until(lambda: _api(node)["connections"] >= 501, 10)

        deaf = _connect(path)  # signs on, then asks and asks and never reads
        pid = os.getpid()
        deaf.sendall(signon(pid, None, 0, 0))
        deaf.settimeout(30)
        flood = req("nodelist", pid, str(pid)) * 2000
        sent = 0
        try:
            for _ in range(40):
                deaf.sendall(flood)
                sent += 1
        except OSError:
            pass  # the daemon hung up on it: that is the point
        assert _answers(node)
        dropped = lambda: _api(node)["sendfail"] == 1  # noqa: E731
        assert wait_until(dropped, 20), _api(node)

        for s in crowd:
            s.close()
        assert wait_until(lambda: _api(node)["connections"] <= 3, 20), _api(node)
        counters = _api(node)["dropped"]
        assert isinstance(counters, dict)
        assert counters.get("bad_magic", 0) + counters.get("oversize", 0) >= 2, counters
        assert wait_until(lambda: _api(node)["dropped"].get("signon_timeout", 0) >= 1, 15)  # type: ignore[union-attr]
        assert node.exited() is None and _answers(node)
        for s in (garbage, oversized, half, deaf):
            s.close()
