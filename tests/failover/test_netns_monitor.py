"""Resource monitoring on a real two-node ha_agents cluster in the lab (issue 17): the
group is the VIP plus a real lighttpd run by our httpd agent (heartbeat class), a client
polls the VIP, and the web server is killed (SIGKILL) or hung (SIGSTOP) on the active
node.  Without ``monitor`` lines nothing is ever probed, as under Heartbeat."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.failover.weblab import WebCluster
from tests.lab.netns import Lab
from tests.lab.waiting import wait_until

pytestmark = [
    pytest.mark.netns,
    pytest.mark.skipif(not shutil.which("lighttpd"), reason="needs the lighttpd package"),
]

INTERVAL, TIMEOUT = 1.0, 1.5
SLACK = 1.5  # the daemon's tick, the status poll and a loaded 2-core machine


def monitor(restarts: int, window: int = 120) -> str:
    return (
        f"monitor httpd interval={INTERVAL:g} timeout={TIMEOUT:g} restarts={restarts} "
        f"window={window}\n"
    )


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mo") as lab:
        yield lab


def _row_when(c: WebCluster, node: str, cond: Callable[[dict[str, Any]], bool], t: float) -> float:
    """Poll the status document until ``cond(monitor row)``; the time it first held."""
    seen: list[float] = []

    def check() -> bool:
        if cond(c.monitor_row(node)):
            seen.append(time.monotonic())
            return True
        return False

    assert wait_until(check, t, interval=0.05), f"{c.monitor_row(node)}\n{c.logs()}"
    return seen[0]


def _started(lab: Lab, failover_cf: str) -> WebCluster:
    c = WebCluster.build(lab, failover_cf)
    c.start()
    _row_when(c, "node1", lambda r: r.get("last_result") == "running", 10)
    return c


def test_a_killed_web_server_is_restarted_in_place_within_interval_plus_timeout(
    lab: Lab,
) -> None:
    c = _started(lab, monitor(restarts=3))
    old = c.kill_web("node1", signal.SIGKILL)
    fault = time.monotonic()
    noticed = _row_when(c, "node1", lambda r: r.get("failures_total") == 1, 10)
    assert noticed - fault <= INTERVAL + TIMEOUT + SLACK
    assert c.poller is not None and c.poller.wait_ok(15, after=noticed, backend="node1")
    assert c.monitor_row("node1")["restarts_total"] == 1
    assert c.holder() == ["node1"]
    new = c.web_pid("node1")
    assert new is not None and new != old
    outage = c.poller.outage(fault)
    assert outage.recovery is not None and outage.recovery <= INTERVAL + TIMEOUT + SLACK + 3
    assert c.log_lines("node1", "failed its monitor (stopped: status output")
    assert wait_until(lambda: c.log_lines("node1", "restarted in place (restart 1)."), 10)
    assert c.web_pid("node2") is None


def test_a_hung_web_server_fails_its_check_at_the_timeout_and_is_restarted(lab: Lab) -> None:
    c = _started(lab, monitor(restarts=3))
    c.kill_web("node1", signal.SIGSTOP)
    fault = time.monotonic()
    noticed = _row_when(c, "node1", lambda r: r.get("failures_total") == 1, 10)
    assert noticed - fault <= INTERVAL + TIMEOUT + SLACK
    row = c.monitor_row("node1")
    assert row["last_result"] == "failed" and "timed out" in row["last_detail"]
    assert TIMEOUT <= row["last_duration_s"] < TIMEOUT + 1.0  # killed at its timeout
    assert c.poller is not None and c.poller.wait_ok(20, after=noticed, backend="node1")
    assert c.holder() == ["node1"]
    assert c.log_lines("node1", "ResourceManager: Return code")  # the killed check
    assert wait_until(lambda: c.log_lines("node1", "restarted in place (restart 1)."), 10)


def test_past_the_limit_the_whole_group_moves_to_the_peer(lab: Lab) -> None:
    c = _started(lab, monitor(restarts=1))
    c.kill_web("node1")
    _row_when(c, "node1", lambda r: r.get("restarts_total") == 1, 10)
    assert c.poller is not None and c.poller.wait_ok(15, after=time.monotonic(), backend="node1")
    _row_when(c, "node1", lambda r: r.get("state") == "watching", 10)
    c.kill_web("node1", signal.SIGSTOP)  # the second failure in the window: move
    fault = time.monotonic()
    assert c.poller.wait_ok(30, after=fault, backend="node2"), c.logs()
    assert wait_until(lambda: c.holder() == ["node2"], 10), c.logs()
    assert c.web_pid("node1") is None  # the hung server was stopped before the hand-over
    assert c.log_lines("node1", "giving it to the peer (local)")
    assert wait_until(lambda: c.log_lines("node1", "handed over to the peer after failing"), 10)
    assert c.monitor_row("node1")["refused_here"] is True
    _row_when(c, "node2", lambda r: r.get("last_result") == "running", 10)


def test_a_flapping_web_server_stops_bouncing_and_says_so(lab: Lab) -> None:
    c = _started(lab, monitor(restarts=0))
    c.kill_web("node1")
    assert c.poller is not None and c.poller.wait_ok(30, after=time.monotonic(), backend="node2")
    _row_when(c, "node2", lambda r: r.get("state") == "watching", 10)
    c.kill_web("node2")  # it fails on the peer too
    _row_when(c, "node2", lambda r: r.get("state") == "gave-up", 20)
    assert c.log_lines("node1", "Not accepting resources: ")
    crit = c.log_lines("node2", "CRIT: Resource group")
    assert crit and "keeps failing and the peer did not take it" in crit[0]
    time.sleep(3 * INTERVAL)  # stays put: no restart, no move
    assert c.holder() == ["node2"] and c.web_pid("node2") is None
    assert c.web_pid("node1") is None
    assert c.monitor_row("node2")["restarts_total"] == 0
    assert c.monitor_row("node2")["checks_total"] >= 3  # still checked


RECORDER = """#!/bin/sh
# rec DIR OP: records every call as "NODE OP" in DIR/calls
echo "$HA_CURHOST $2" >> "$1/calls"
case "$2" in
  start) touch "$1/rec-$HA_CURHOST" ;;
  stop) rm -f "$1/rec-$HA_CURHOST" ;;
  status) if [ -e "$1/rec-$HA_CURHOST" ]; then echo running; else echo stopped; fi ;;
esac
exit 0
"""


def test_without_monitor_lines_nothing_is_probed(lab: Lab) -> None:
    c = WebCluster.build(lab, "", scripts={"rec": RECORDER})
    c.start()
    calls = lab.tmpdir / "calls"
    assert wait_until(lambda: calls.exists() and "start" in calls.read_text(), 10)
    time.sleep(5.0)  # 5 would-be intervals
    assert calls.read_text().split("\n")[:-1] == ["node1 status", "node1 start"]
    c.kill_web("node1")
    fault = time.monotonic()
    time.sleep(5.0)
    assert calls.read_text().split("\n")[:-1] == ["node1 status", "node1 start"]
    assert c.web_pid("node1") is None and c.holder() == ["node1"]  # as Heartbeat: dead
    assert c.poller is not None and not c.poller.wait_ok(0.1, after=fault + 1)
    assert "monitors" not in c.doc("node1")["resources"]
    for name in ("node1", "node2"):  # none of monitoring's log lines
        for words in (": Monitoring ", "failed its monitor", "in place", "giving it to the peer"):
            assert not c.log_lines(name, words), c.logs()


@pytest.mark.heartbeat
def test_real_heartbeat_ignores_failover_cf_and_never_probes(lab: Lab) -> None:
    """The ground truth behind the opt-in: Heartbeat 3.0.6 with the same ``monitor`` lines
    in /etc/ha.d/failover.cf starts, never mentions the file, and after its initial
    ``status`` + ``start`` never calls the resource again."""
    from tests.lab.heartbeat import make_ha_cf

    addrs = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
    ha_cf = make_ha_cf(addrs, keepalive="200ms", deadtime="2", initdead="4")
    haresources = f"node1 rec::{lab.tmpdir}\n"
    nodes = []
    for i, (name, addr) in enumerate(addrs.items(), 1):
        host = lab.add_host(f"n{i}", f"{addr}/24")
        node = lab.add_heartbeat_node(host, name, ha_cf, haresources, scripts={"rec": RECORDER})
        (node.etc / "failover.cf").write_text(monitor(restarts=1) + "monitor rec interval=1\n")
        nodes.append(node)
    for node in nodes:
        node.start()
    calls = lab.tmpdir / "calls"
    assert wait_until(lambda: calls.exists() and "start" in calls.read_text(), 60), nodes[0].log()
    before = calls.read_text()
    time.sleep(6.0)  # six would-be intervals
    assert calls.read_text() == before  # nothing after the acquisition
    seen = before.split("\n")[:-1]
    # Heartbeat's takegroup asks status (twice, seen here) before the one start
    assert seen[-1] == "node1 start" and set(seen[:-1]) == {"node1 status"}, seen
    for node in nodes:
        assert node.running() and "failover.cf" not in node.log() + node.debug_log()
