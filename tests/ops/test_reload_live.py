"""Live reload of a real daemon while its peer watches (lab namespaces)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab.agentnode import medium, wait_status
from tests.lab.netns import Lab
from tests.lab.waiting import wait_until
from tests.ops.helpers import OpsNode

NODES = ["node1", "node2"]
pytestmark = pytest.mark.netns


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("or") as lab:
        yield lab


def _pair(lab: Lab) -> tuple[OpsNode, OpsNode]:
    hosts = [lab.add_host(n, lab.cidr(11 + i)) for i, n in enumerate(NODES)]
    nodes = [OpsNode(lab.tmpdir, n, NODES, [medium("bcast", "eth0")], host=h)
             for n, h in zip(NODES, hosts, strict=True)]  # fmt: skip
    for node in nodes:
        node.start()
    for me, other in ((nodes[0], "node2"), (nodes[1], "node1")):
        assert wait_status(lambda m=me, o=other: m.nodestatus(o), "active", 10), me.output()
    nodes[0].wait_steady()
    nodes[1].wait_steady()
    return nodes[0], nodes[1]


def _seq_rate(node: OpsNode, seconds: float) -> float:
    """Sequenced messages per second (mostly keepalive status messages)."""
    t0, first = time.monotonic(), node.fast_doc()["seq"]
    time.sleep(seconds)
    return float(node.fast_doc()["seq"] - first) / (time.monotonic() - t0)


def _watch_alive(watcher: OpsNode, node: str, seconds: float) -> list[str]:
    """Poll the watcher's view of ``node`` for ``seconds``; every status seen."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(watcher.nodestatus(node))
        time.sleep(0.05)
    return seen


def test_keepalive_and_media_change_apply_without_the_peer_noticing(lab: Lab) -> None:
    node1, node2 = _pair(lab)
    before = _seq_rate(node1, 2.0)
    assert 4.0 <= before <= 8.0  # keepalive 200ms: 5 status/s, plus other messages

    node1.timers_ms = (400, 600, 1000, 2000)
    node1.write_ha_cf()
    r = node1.cli("reload")
    assert r.returncode == 0, r.stderr
    assert "  applied: keepalive 200ms -> 400ms\n" in r.stdout
    assert set(_watch_alive(node2, "node1", 2.0)) == {"active"}
    after = _seq_rate(node1, 2.0)
    assert 1.5 <= before - after <= 3.5, (before, after)  # 2.5 status/s fewer
    assert node1.doc()["parameters"]["keepalive"] == "400ms"

    # SIGHUP, with a media change: bcast -> ucast to the peer (node2 still sends bcast).
    node1.timers_ms = (200, 600, 1000, 2000)
    node1.media = [medium("ucast", "eth0", peer=lab.ip(12))]
    node1.write_ha_cf()
    assert node1.proc is not None
    node1.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "reload: media reopened (eth0)" in node1.log_text(), 5)
    assert set(_watch_alive(node2, "node1", 2.0)) == {"active"}
    assert set(_watch_alive(node1, "node2", 0.5)) == {"active"}
    logs = node1.log_text() + node2.log_text()
    assert "is dead" not in logs
    assert "reload: medium added: ucast eth0 192.0.2.12 694" in node1.log_text()


def test_broken_config_changes_nothing_and_is_reported_with_file_and_line(lab: Lab) -> None:
    node1, node2 = _pair(lab)
    good = (node1.config_dir / "ha.cf").read_text()
    lineno = len(good.splitlines()) + 1
    (node1.config_dir / "ha.cf").write_text(
        good.replace("keepalive 200ms", "keepalive 400ms") + "deadtme 5\n"
    )
    rotated = node1.logfile.with_name("log.1")
    node1.logfile.rename(rotated)  # logrotate, then `systemctl reload`: a fresh file
    r = node1.cli("reload")
    assert r.returncode == 1
    assert "Configuration validated" in rotated.read_text()
    where = f"{node1.config_dir}/ha.cf:{lineno}:"
    assert where in r.stderr and "error" in r.stderr, r.stderr
    assert "ha-agents reload: configuration has errors; nothing changed" in r.stderr
    log = node1.log_text()
    assert f"ERROR: reload: {where}" in log
    assert "Configuration reload failed; running configuration unchanged" in log
    assert node1.doc()["parameters"]["keepalive"] == "200ms"
    assert 4.0 <= _seq_rate(node1, 2.0) <= 8.0  # still the old keepalive

    # A valid file that cannot be applied live (another node list) is refused too.
    (node1.config_dir / "ha.cf").write_text(good + "node node3\n")
    r = node1.cli("reload")
    assert r.returncode == 1 and "node list changed" in r.stderr, r.stderr
    assert set(_watch_alive(node2, "node1", 0.5)) == {"active"}


def test_reload_without_a_daemon_says_so() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "ha_agents", "reload", "--run-dir", "/nonexistent/ha"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    sock = "/nonexistent/ha/ha-agents.sock"
    expected = f"ha-agents reload: the daemon is not running (no answer on {sock})\n"
    assert (r.returncode, r.stderr) == (3, expected)
