"""docs/migration.md executed: Heartbeat pair -> one ha_agents node -> two ha_agents nodes
-> Pacemaker, a client polling the VIP all along (EDGE; tests/export/test_migration_path.py
and bench/migration.py drive it).

The cluster: node1 (home of ``IPaddr::192.0.2.50/24/eth0``) and node2, ucast, keepalive
200 ms, deadtime 1 s, auto_failback on; each host answers its name on port 80, so the
client sees which node holds the VIP.  Each step is done as the guide says and
measured as the client saw it: the longest run of failed requests during the step
(``gap_s``, None when none failed) and who answers at its end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.lab.cluster import AUTHKEYS, ClusterSpec, LabNode
from tests.lab.heartbeat import HeartbeatNode
from tests.lab.httpserver import serve_name
from tests.lab.netns import Lab
from tests.lab.outage import failure_windows
from tests.lab.pcmkcluster import PacemakerCluster, export_pacemaker
from tests.lab.poller import HttpPoller
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
VIP = "192.0.2.50"
HB_STANDBY = "/usr/share/heartbeat/hb_standby"
PCMK_GROUP = f"grp_ip_{VIP}"


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float  # how long the step took
    gap_s: float | None  # the client's longest failure window during the step
    failed: int  # failed requests during the step
    holder: str  # who answers at the end


class RollingMigration:
    """The lab, the nodes of each stage and the poller; :meth:`run` does every step."""

    def __init__(self, lab: Lab, fmt: str = "pcs", log: Callable[[str], None] = print) -> None:
        self.lab, self.fmt, self.log = lab, fmt, log
        self.hosts = {n: lab.add_host(f"n{i}", f"{a}/24") for i, (n, a) in enumerate(
            NODES.items(), start=1)}  # fmt: skip
        self.client = lab.add_client("c", "192.0.2.100/24")
        for name, host in self.hosts.items():
            serve_name(host, name)
        self.spec = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000, media="ucast")
        self.poller = HttpPoller(self.client, f"http://{VIP}/", interval=0.01, timeout=0.1)
        self.hb: dict[str, HeartbeatNode] = {}
        self.ours: dict[str, LabNode] = {}
        self.pcmk: PacemakerCluster | None = None
        self.steps: list[Step] = []

    # -- helpers ------------------------------------------------------------------------
    def _serving(self, node: str, after: float, timeout: float) -> None:
        if not self.poller.wait_ok(timeout, after=after, backend=node):
            raise LabError(f"{node} does not answer on {VIP} within {timeout}s")

    def _record(self, name: str, t0: float, holder: str) -> Step:
        t1 = time.monotonic()
        # failure runs that end (first success again) during the step
        windows = [
            w
            for w in failure_windows(self.poller.samples())
            if w.first_ok is not None and t0 <= w.first_ok.start <= t1
        ]
        gaps = [w.duration for w in windows if w.duration is not None]
        failed = sum(w.failed for w in windows)
        step = Step(name, t1 - t0, max(gaps) if gaps else None, failed, holder)
        self.steps.append(step)
        gap = "none" if step.gap_s is None else f"{step.gap_s:.3f} s"
        self.log(f"{name}: client gap {gap} ({failed} failed requests), {holder} answers")
        return step

    def _ours(self, node: str) -> LabNode:
        n = LabNode(self.lab, self.hosts[node], node, self.spec)
        n.start()
        self.ours[node] = n
        return n

    def _ours_sees(self, node: str, peer: str) -> bool:
        r = self.ours[node].ctl("status", "nodestatus", peer)
        return r.stdout.strip() == "active"

    # -- the steps ------------------------------------------------------------------------
    def start_heartbeat_pair(self) -> None:
        for name, host in self.hosts.items():
            self.hb[name] = self.lab.add_heartbeat_node(
                host, name, self.spec.ha_cf(), self.spec.haresources(), AUTHKEYS
            )
            self.hb[name].start()
        self.poller.start()
        self._serving("node1", 0.0, 60)
        self.log("heartbeat pair up: node1 holds the VIP")

    def move_node2(self) -> Step:
        """§1 step 1: node2 holds nothing; stop Heartbeat there, start ha_agents."""
        t0 = time.monotonic()
        if not self.hb["node2"].stop(timeout=30):
            raise LabError("heartbeat on node2 did not stop")
        self._ours("node2")
        # the guide's "verify from both sides": both see each other, and each says what it
        # holds, no transition in progress: rscstatus "local" on both (node2 has no group
        # of its own; Heartbeat 3.0.6 says "local" then too)
        ok = wait_until(
            lambda: (
                self.hb["node1"].nodestatus("node2") == "active"
                and self._ours_sees("node2", "node1")
                and self.hb["node1"].cl_status("rscstatus").stdout.strip() == "local"
                and self.ours["node2"].ctl("status", "rscstatus").stdout.strip() == "local"
            ),
            30,
        )
        if not ok:
            raise LabError("mixed cluster did not form")
        self._serving("node1", t0, 10)
        return self._record("1. node2: Heartbeat -> ha_agents (mixed cluster)", t0, "node1")

    def standby_node1(self) -> Step:
        """§1 step 2, first half: ``hb_standby all`` on node1; ha_agents' node2 takes the VIP."""
        t0 = time.monotonic()
        self.hb["node1"].run_in([HB_STANDBY, "all"], check=True)
        if not self.poller.wait_ok(30, after=t0, backend="node2"):
            raise LabError(
                f"node2 does not answer on {VIP} after hb_standby: heartbeat node1:\n"
                f"{self.hb['node1'].log()[-2500:]}\nha_agents node2:\n"
                f"{self.ours['node2'].log()[-2500:]}"
            )
        return self._record("2a. node1: hb_standby all (VIP to ha_agents' node2)", t0, "node2")

    def move_node1(self) -> Step:
        """§1 step 2: stop Heartbeat on node1, start ha_agents; auto_failback on brings the
        VIP home."""
        t0 = time.monotonic()
        if not self.hb["node1"].stop(timeout=30):
            raise LabError("heartbeat on node1 did not stop")
        started = time.monotonic()
        self._ours("node1")
        self._serving("node1", started, 30)
        return self._record("2b. node1: Heartbeat -> ha_agents (VIP fails back)", t0, "node1")

    def to_pacemaker(self, out: Path) -> Step:
        """§2: export on node1, stop ha_agents on both, start corosync + pacemaker, load."""
        cp = export_pacemaker(self.hosts["node1"], "node1", self.ours["node1"].config_dir,
                              self.fmt, out)  # fmt: skip
        self.log(cp.stdout.strip())
        t0 = time.monotonic()
        for node in ("node2", "node1"):
            if not self.ours[node].stop():
                raise LabError(f"ha_agents on {node} did not stop")
        stopped = time.monotonic()
        self.pcmk = PacemakerCluster.start(
            self.lab, self.hosts, (out / "corosync.conf").read_text()
        )
        self.pcmk.wait_formed(120)
        self.pcmk.load(self.fmt, out)
        self._serving("node1", stopped, 90)
        return self._record(f"3. ha_agents -> Pacemaker ({self.fmt}, maintenance window)", t0,
                            "node1")  # fmt: skip

    def run(self) -> list[Step]:
        self.start_heartbeat_pair()
        self.move_node2()
        self.standby_node1()
        self.move_node1()
        self.to_pacemaker(self.lab.tmpdir / "pcmk")
        self.poller.stop()
        return self.steps
