"""The real cl_status and api_test against ha_agents, beside real Heartbeat.

A mixed cluster: node1 runs ha_agents, node2 the real Heartbeat 3.0.6, one ha.cf with
a ping node, a ping group and an unreachable ping node, ipfail respawned on both, one
resource group homed on each node (so both answer rscstatus ``local``).  Every
cl_status question is asked of both; stdout and exit code must be the same (only the
version string differs: ``3.0.6 (ha_agents X)`` against ``3.0.6 (node: <hg id>)``).
``ha-agents status`` on node1 must answer exactly as the real cl_status there.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.api.cluster import API_TEST, AS_HACLUSTER, IPFAIL, PING, child_pid, ha_cf, hosts, start
from tests.lab import Lab, wait_until

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]

EXTRA = (
    f"ping {PING}\nping_group grp {PING} 192.0.2.99\nping 192.0.2.77\nrespawn hacluster {IPFAIL}\n"
)
HARESOURCES = "node1 IPaddr::192.0.2.50/24/eth0\nnode2 IPaddr::192.0.2.51/24/eth0\n"
QUESTIONS = [
    [], ["hbstatus"], ["hbstatus", "-v"], ["bogus"], ["numnodes"],
    ["listnodes"], ["listnodes", "-n"], ["listnodes", "-p"], ["listnodes", "-v"],
    ["nodestatus", "node1"], ["nodestatus", "NODE2"], ["nodestatus", "bogus"], ["nodestatus"],
    ["nodestatus", PING], ["nodestatus", "grp"], ["nodestatus", "192.0.2.77"],
    ["nodetype", "node1"], ["nodetype", "grp"], ["nodetype", "bogus"],
    ["nodeweight", "node2"], ["nodeweight", "bogus"], ["nodesite", "node1"], ["nodesite", "x"],
    ["listhblinks", "node1"], ["listhblinks", "-v", "node2"], ["listhblinks", "grp"],
    ["listhblinks", "bogus"], ["listhblinks"],
    ["hblinkstatus", "node1", "eth0"], ["hblinkstatus", "node2", "eth9"],
    ["hblinkstatus", "grp", "grp"], ["hblinkstatus", "192.0.2.77", "192.0.2.77"],
    ["hblinkstatus", "node2"],
    ["clientstatus", "node1", "ipfail"], ["clientstatus", "node2", "ipfail"],
    ["clientstatus", "node1", "bogus"], ["clientstatus", "node2", "bogus"],
    ["clientstatus", "node1"], ["clientstatus", "bogus", "ipfail"],
    ["rscstatus"],
    ["hbparameter", "-p", "keepalive"], ["hbparameter", "-p", "deadping"],
    ["hbparameter", "-p", "auto_failback"], ["hbparameter", "-p", "bogus"],
    ["hbparameter", "-p", "node"], ["hbparameter", "-p", "logfacility"], ["hbparameter"],
    ["hbparameter", "-p", "udpport"], ["hbparameter", "-p", "initdead"],
]  # fmt: skip


def _version_free(text: str) -> str:
    return "\n".join(
        "version:\t3.0.6" if line.startswith("version:\t3.0.6 (") else line
        for line in text.split("\n")
    )


def test_every_cl_status_question_matches_real_heartbeat() -> None:
    with Lab("apic") as lab:
        n1, n2 = hosts(lab)
        cf = ha_cf(EXTRA)
        ours = start(lab, n1, "node1", "agents", cf, HARESOURCES)
        theirs = start(lab, n2, "node2", "heartbeat", cf, HARESOURCES)
        ready = lambda n: n.cl_status("rscstatus").stdout == "local\n"  # noqa: E731
        assert wait_until(lambda: ready(ours) and ready(theirs), timeout=40), ours.tail()
        assert wait_until(lambda: child_pid(ours, "ipfail") and child_pid(theirs, "ipfail"), 20)
        assert wait_until(lambda: ours.cl_status("nodestatus", "192.0.2.77").stdout == "dead\n", 10)
        time.sleep(1.0)  # ipfail's join notices have crossed
        diffs = []
        for q in QUESTIONS:
            a, b = ours.cl_status(*q), theirs.cl_status(*q)
            if (a.returncode, _version_free(a.stdout)) != (b.returncode, _version_free(b.stdout)):
                diffs.append((q, a.returncode, a.stdout, b.returncode, b.stdout))
            ha = ours.status(*q) if q and q[0] != "numnodes" else None
            if ha is not None and (ha.returncode, ha.stdout) != (a.returncode, a.stdout):
                diffs.append(
                    (["ha-agents status", *q], ha.returncode, ha.stdout, a.returncode, a.stdout)
                )
        assert diffs == []
        version = ours.cl_status("hbparameter", "-p", "hbversion").stdout
        assert version.startswith("3.0.6 (ha_agents ")


def test_api_test_runs_to_its_end_against_ha_agents(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with Lab("apit") as lab:
        n1, n2 = hosts(lab)
        cf = ha_cf(f"ping {PING}\n")
        ours = start(lab, n1, "node1", "agents", cf, "node1 IPaddr::192.0.2.50/24/eth0\n")
        peer = start(lab, n2, "node2", "agents", cf, "node1 IPaddr::192.0.2.50/24/eth0\n")
        assert wait_until(lambda: ours.cl_status("rscstatus").stdout == "local\n", 40)
        log = lab.tmpdir / "api_test.out"
        proc = ours.popen_in([*AS_HACLUSTER, API_TEST], log)
        assert wait_until(lambda: "Waiting for messages" in log.read_text(errors="replace"), 20)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        peer.stop()  # a status change: api_test's blocking read returns, it sees quitnow
        rc = proc.wait(timeout=20)
        text = log.read_text(errors="replace")
        assert rc == 0, text
        for line in (
            "Current resource status: local",
            "Cluster node: node2: status: active",
            f"Cluster node: {PING}: status: ping",
            "node1/api_test status: [online]",
            "Sent ping request to cluster",
            "Got message 1 of type",
            "Status update: Client node1/ping now has status [join]",
        ):
            assert line in text, text
        assert "Cannot" not in text and "FAIL" not in text, text
