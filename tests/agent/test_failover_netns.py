"""An SDK agent (resource.d/redis) moves with a failover, under real Heartbeat 3.0.6 and
under ha_agents, in network namespaces.

Group: the VIP 192.0.2.50 (the cluster manager's IPaddr), then redis bound to the VIP.
A client in its own namespace talks to redis through the VIP.  Node 1 loses power (all
its processes SIGKILLed, its cable cut); node 2 takes the group over and the client's
redis answers again from node 2.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.agent.install import with_shebang
from ha_agents.config.search import package_agents_dir
from tests.lab import Host, Lab, wait_until
from tests.lab.heartbeat import make_ha_cf

pytestmark = [pytest.mark.netns]

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())
VIP = "192.0.2.50"
PORT = "6390"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


def redis_cli(client: Host, *words: str) -> str:
    argv = ["timeout", "2", "redis-cli", "-h", VIP, "-p", PORT, *words]
    try:
        return client.run(argv, check=False, timeout=5).stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def redis_ping(client: Host) -> str:
    return redis_cli(client, "PING")


def served_pid(client: Host) -> int:
    """The pid of the redis answering on the VIP (0: none answers)."""
    for line in redis_cli(client, "INFO", "server").splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":", 1)[1])
    return 0


@pytest.mark.heartbeat
def test_redis_agent_fails_over_under_real_heartbeat() -> None:
    agent = with_shebang((AGENTS_DIR / "redis").read_text(), sys.executable)
    with Lab("sdkhb") as lab:
        data = lab.tmpdir / "redis-data"
        ha_cf = make_ha_cf(NODES, keepalive="100ms", deadtime="1", initdead="2")
        haresources = f"node1 {VIP}/24/eth0 redis::{PORT}::{VIP}::{data}\n"
        hosts, nodes = [], []
        for i, (name, addr) in enumerate(NODES.items(), start=1):
            host = lab.add_host(f"n{i}", f"{addr}/24")
            hosts.append(host)
            nodes.append(
                lab.add_heartbeat_node(host, name, ha_cf, haresources, scripts={"redis": agent})
            )
        client = lab.add_host("cl", "192.0.2.20/24")
        for node in nodes:
            node.start()
        n1, n2 = nodes
        # node1 runs the group: the redis answering on the VIP is one of node1's processes
        assert wait_until(lambda: served_pid(client) in n1.pids(), 40), n1.log()[-3000:]
        assert wait_until(lambda: "info: started (pid" in n1.log(), 10), n1.log()[-3000:]
        assert "redis[" in n1.log()

        n1.kill(signal.SIGKILL)  # power loss: Heartbeat, its scripts and redis die
        hosts[0].link_down()
        assert n2.wait_log(r"node node1: is dead", timeout=15), n2.log()[-3000:]
        assert wait_until(lambda: served_pid(client) in n2.pids(), 30), n2.log()[-3000:]
        assert wait_until(lambda: "info: started (pid" in n2.log(), 10), n2.log()[-3000:]
        assert f"Running /etc/ha.d//resource.d/redis {PORT} {VIP} {data} start" in n2.log()


def test_redis_agent_fails_over_under_ha_agents() -> None:
    from tests.lab.cluster import ClusterSpec, start_ha_agents

    with Lab("sdkha") as lab:
        data = lab.tmpdir / "redis-data"
        pidfile = lab.tmpdir / "redis.pid"
        spec = ClusterSpec(
            NODES,
            extra_resources=(f"redis::{PORT}::{VIP}::{data}::pidfile={pidfile}",),
        )
        h1 = lab.add_host("n1", "192.0.2.11/24")
        h2 = lab.add_host("n2", "192.0.2.12/24")
        client = lab.add_host("cl", "192.0.2.20/24")
        n1 = start_ha_agents(lab, h1, "node1", spec)
        n2 = start_ha_agents(lab, h2, "node2", spec)
        redis_pids: list[int] = []
        try:
            assert wait_until(lambda: redis_ping(client) == "PONG", 30), n1.log()[-3000:]
            first = served_pid(client)
            assert first == int(pidfile.read_text())
            pid = int(pidfile.read_text())
            redis_pids.append(pid)
            # power loss: the daemon, its scripts and the redis it started all die
            n1.kill(signal.SIGKILL)
            _kill(pid)
            h1.link_down()
            assert wait_until(lambda: served_pid(client) not in (0, first), 30), n2.log()[-3000:]
            assert served_pid(client) == int(pidfile.read_text())
            redis_pids.append(served_pid(client))
        finally:
            for p in redis_pids:  # redis daemonizes out of the node's process group
                _kill(p)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
