"""Real Heartbeat 3.0.6 nodes in the lab: a cluster forms, death is seen, stop/restart.

These also prove the recipe (private mount+UTS namespaces over the node's netns) works
where the tests run.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.lab import Lab, wait_until
from tests.lab.heartbeat import HeartbeatNode, make_ha_cf

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
SCRIPT = """#!/bin/sh
# heartbeat-class test resource: remembers its state in the node's private /run
state=/run/hbtest.state
case "$1" in
  start) echo "$(uname -n) start" >> {log}; : > $state ;;
  stop) echo "$(uname -n) stop" >> {log}; rm -f $state ;;
  status) if [ -f $state ]; then echo running; else echo stopped; fi ;;
esac
exit 0
"""


def _pair(lab: Lab, **cf: str) -> tuple[HeartbeatNode, HeartbeatNode, Path]:
    events = lab.tmpdir / "events"
    events.touch()
    ha_cf = make_ha_cf(NODES, keepalive="100ms", deadtime="500ms", initdead="1", **cf)
    nodes = []
    for i, (name, addr) in enumerate(NODES.items(), start=1):
        host = lab.add_host(f"n{i}", f"{addr}/24")
        nodes.append(
            lab.add_heartbeat_node(
                host,
                name,
                ha_cf,
                haresources="node1 hbtest\n",
                scripts={"hbtest": SCRIPT.format(log=events)},
            )
        )
    for n in nodes:
        n.start()
    return nodes[0], nodes[1], events


def _tail(*nodes: HeartbeatNode) -> str:
    return "\n".join(f"--- {n.node}:\n{n.log()[-3000:]}" for n in nodes)


def _active(a: HeartbeatNode, peer: str) -> bool:
    return a.nodestatus(peer) == "active"


def test_lab_heartbeat_pair_forms_and_sees_a_killed_peer_dead(lab: Lab) -> None:
    n1, n2, events = _pair(lab)
    assert wait_until(lambda: _active(n1, "node2") and _active(n2, "node1"), timeout=15)
    assert n1.cl_status("listnodes", "-n").stdout.split() == ["node2", "node1"]
    assert n1.cl_status("hbstatus").returncode == 0
    # its own hostname and private /etc/ha.d; the host's Heartbeat files untouched
    assert n1.run_in(["uname", "-n"]).stdout.strip() == "node1"
    assert n1.run_in(["stat", "-c", "%a", "/etc/ha.d/authkeys"]).stdout.strip() == "600"
    assert not Path("/run/heartbeat.pid").exists()
    assert not Path("/etc/ha.d/ha.cf").exists()
    # node1 owns its group and ran our script there
    assert wait_until(lambda: "node1 start" in events.read_text(), timeout=15)
    assert n1.cl_status("rscstatus").stdout.strip() in ("all", "local"), n1.cl_status("rscstatus")

    mark = n2.log_mark()
    pids = n1.kill(signal.SIGKILL)
    assert pids and not n1.pids() and not n1.running()
    assert n2.wait_log(r"node node1: is dead", timeout=10, since=mark)
    assert n2.nodestatus("node1") == "dead"
    assert n2.cl_status("nodestatus", "node1").returncode == 1
    # the survivor took node1's group over, running the script in its own namespace
    assert wait_until(lambda: "node2 start" in events.read_text(), timeout=15)
    # a killed node's cl_status runs in a fresh namespace and says it is stopped
    cp = n1.cl_status("hbstatus")
    assert (cp.returncode, cp.stdout.strip()) == (1, "Heartbeat is stopped on this machine.")


def test_lab_heartbeat_stop_restart_and_hang(lab: Lab) -> None:
    n1, n2, _ = _pair(lab)
    assert wait_until(lambda: _active(n2, "node1"), timeout=15)
    # orderly stop, then a restart in a fresh /run: the peer sees it come back
    mark = n2.log_mark()
    assert n1.stop(timeout=30), _tail(n1, n2)
    assert not n1.pids()
    assert n1.wait_log(r"Heartbeat shutdown complete", timeout=1)
    assert n2.wait_log(r"node node1: is dead|node1 .*shutdown|Received shutdown notice", 10, mark)
    n1.start()
    assert n2.wait_log(r"Heartbeat restart on node node1", 15, mark), _tail(n1, n2)
    assert wait_until(lambda: _active(n2, "node1"), timeout=15), _tail(n1, n2)
    # hang: SIGSTOP every process of node1; node2 declares it dead; SIGCONT resumes it
    mark = n2.log_mark()
    stopped = n1.kill(signal.SIGSTOP)
    assert stopped == n1.pids() and len(stopped) >= 2
    assert n2.wait_log(r"node node1: is dead", timeout=10, since=mark), _tail(n1, n2)
    n1.kill(signal.SIGCONT)
    assert wait_until(lambda: _active(n2, "node1"), timeout=20), _tail(n1, n2)
