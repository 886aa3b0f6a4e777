"""systemd's notify protocol from a real daemon in a lab namespace, received on a real
AF_UNIX datagram socket the test binds (NOTIFY_SOCKET points at it)."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.agentnode import medium, wait_status
from tests.lab.netns import Lab
from tests.ops.helpers import OpsNode, retry_killed

NODES = ["node1", "node2"]
pytestmark = pytest.mark.netns


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("on") as lab:
        yield lab


def _listener(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    return sock


def _collect(sock: socket.socket, seconds: float) -> list[tuple[float, dict[str, str]]]:
    """Every notify datagram received within ``seconds``, with its arrival time."""
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
        out.append((time.monotonic(), fields))
    return out


def _wait_for(sock: socket.socket, key: str, timeout: float) -> list[dict[str, str]]:
    got: list[dict[str, str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
        got.append(fields)
        if key in fields:
            return got
    raise AssertionError(f"no {key} within {timeout}s; got {got}")


def test_ready_after_media_open_status_watchdog_reload_and_stopping(
    lab: Lab, tmp_path: Path
) -> None:
    hosts = [lab.add_host(n, lab.cidr(11 + i)) for i, n in enumerate(NODES)]
    media = [medium("bcast", "eth0")]
    peer = OpsNode(lab.tmpdir, "node2", NODES, media, host=hosts[1])
    peer.start()
    node = OpsNode(lab.tmpdir, "node1", NODES, media, host=hosts[0])
    with _listener(tmp_path / "notify") as sock:
        node.configure(
            extra=["--log-ident", "heartbeat"],  # lines exactly like Heartbeat's (grep rules)
            env={"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "400000"},
        )
        node.start(wait_socket=False)
        before = _wait_for(sock, "READY", 15)
        # READY is the first message, and when it arrives the media and the control socket
        # are open: the UDP port is bound in node1's namespace and the peer hears us.
        assert len(before) == 1 and before[0]["READY"] == "1", before
        assert before[0]["MAINPID"] == str(node.proc.pid if node.proc else 0)
        ss = ["ss", "-H", "-uln", "sport", "= :694"]
        bound = retry_killed(lambda: hosts[0].run(ss, check=False)).stdout
        assert "0.0.0.0%eth0:694" in bound, bound
        assert (node.run_dir / "ha-agents.sock").exists()
        assert wait_status(lambda: peer.nodestatus("node1"), "active", 5) is not None

        # STATUS= follows the cluster state; WATCHDOG=1 every WATCHDOG_USEC/2 = 0.2 s.
        msgs = _collect(sock, 3.0)
        statuses = [f["STATUS"] for _, f in msgs if "STATUS" in f]
        assert statuses[-1].startswith("node1 active; peers: node2 active; resources: "), statuses
        pings = [t for t, f in msgs if f.get("WATCHDOG") == "1"]
        span = pings[-1] - pings[0]
        rate = (len(pings) - 1) / span
        assert 4.0 <= rate <= 6.0, (len(pings), span)

        assert node.cli("reload").returncode == 0  # RELOADING=1 ... READY=1 around it
        around = _wait_for(sock, "READY", 5)
        reloading = [f for f in around if "RELOADING" in f]
        assert len(reloading) == 1 and reloading[0]["MONOTONIC_USEC"].isdigit(), around
        assert around.index(reloading[0]) < len(around) - 1  # READY came after it

        peer.kill(signal.SIGKILL)
        dead = _wait_for(sock, "STATUS", 5)
        while "node2 dead" not in dead[-1]["STATUS"]:
            dead += _wait_for(sock, "STATUS", 5)
        assert dead[-1]["STATUS"].startswith("node1 active; peers: node2 dead")

        assert node.proc is not None
        node.proc.send_signal(signal.SIGTERM)
        _wait_for(sock, "STOPPING", 5)
        assert node.proc.wait(10) == 0
    assert f"node1 heartbeat: [{node.proc.pid}]: WARN: node node2: is dead\n" in node.log_text()


def test_broken_config_never_sends_ready(lab: Lab, tmp_path: Path) -> None:
    host = lab.add_host("node1", lab.cidr(11))
    node = OpsNode(lab.tmpdir, "node1", NODES, [medium("bcast", "eth0")], host=host)
    node.write_ha_cf(node.config_dir.joinpath("ha.cf").read_text() + "deadtme 5\n")
    with _listener(tmp_path / "notify") as sock:
        node.configure(env={"NOTIFY_SOCKET": str(tmp_path / "notify")})
        node.start(wait_socket=False)
        assert node.proc is not None
        assert node.proc.wait(15) == 1
        assert _collect(sock, 0.5) == []
