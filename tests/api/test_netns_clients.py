"""Client programs under ha_agents: dopd signs on and stays, respawn restarts a killed
client, failfast ends the daemon, a client with the wrong uid is refused as Heartbeat
refuses it."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.api.cluster import API_TEST, DOPD, IPFAIL, ha_cf, hosts, start
from tests.api.node import AgentsNode
from tests.lab import Lab, wait_until

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]


def test_dopd_stays_respawn_restarts_and_wrong_uid_is_refused() -> None:
    extra = (
        f"respawn hacluster {IPFAIL}\nrespawn hacluster {DOPD}\n"
        "apiauth dopd gid=haclient uid=hacluster\n"
    )
    with Lab("apicl") as lab:
        n1, n2 = hosts(lab)
        node1 = start(lab, n1, "node1", "agents", ha_cf(extra), "")
        start(lab, n2, "node2", "agents", ha_cf(extra), "")
        assert isinstance(node1, AgentsNode)
        online = lambda c: node1.cl_status("clientstatus", "node1", c).stdout == "online\n"  # noqa: E731
        assert wait_until(lambda: online("dopd") and online("ipfail"), 30), node1.log()[-2000:]
        assert wait_until(
            lambda: node1.cl_status("clientstatus", "node2", "dopd").stdout == "online\n", 10
        )
        dopd = node1.child_pid("dopd")
        assert 'Starting child client "/usr/libexec/heartbeat/dopd" (' in node1.log()
        time.sleep(3.0)
        assert node1.child_pid("dopd") == dopd and online("dopd")  # signed on and stays

        ipfail = node1.child_pid("ipfail")
        assert ipfail is not None
        os.kill(ipfail, signal.SIGKILL)
        assert wait_until(lambda: node1.child_pid("ipfail") not in (None, ipfail), 15)
        assert node1.wait_log(r'Respawning client "/usr/libexec/heartbeat/ipfail":', 5)
        assert node1.wait_log(
            rf"Client /usr/libexec/heartbeat/ipfail \(pid={ipfail}\) killed by signal 9", 1
        )
        assert wait_until(lambda: online("ipfail"), 15)

        mark = len(node1.log())
        # api_test signs on as "ping" (apiauth default gid=haclient); as root it is refused
        # exactly as Heartbeat 3.0.6 refuses it (observed: same reply, same two log lines)
        wrong = node1.run_in([API_TEST], timeout=20)
        assert wrong.returncode == 1
        assert "REASON: client failed authorization" in wrong.stderr + wrong.stdout
        assert node1.wait_log(
            r"WARN: Client \[ping\] pid \d+ failed authorization \[client failed authorization\]",
            5,
            since=mark,
        )
        assert "ERROR: api_process_registration_msg: cannot add client(ping)" in node1.log()
        again = node1.run_in([IPFAIL], timeout=20)  # a second ipfail: its name is taken
        assert "REASON: duplicate add request" in again.stderr
        assert online("ipfail")  # the running one is untouched

        assert node1.stop() == 0
        assert "killing /usr/libexec/heartbeat/dopd process group" in node1.log()
        assert node1.child_pid("dopd") is None and node1.child_pid("ipfail") is None


def test_failfast_client_death_ends_the_daemon() -> None:
    with Lab("apiff") as lab:
        n1, _n2 = hosts(lab)
        node1 = start(lab, n1, "node1", "agents", ha_cf("failfast hacluster /bin/sleep 600\n"), "")
        assert isinstance(node1, AgentsNode)
        assert wait_until(lambda: node1.child_pid("sleep") is not None, 30), node1.tail()
        pid = node1.child_pid("sleep")
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: node1.exited() is not None, 20), node1.tail()
        assert node1.exited() == 1
        assert "failfast client /bin/sleep 600 died: stopping ha_agents" in node1.log()
