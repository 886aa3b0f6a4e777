#!/usr/bin/env python3
"""Idle cost and failure detection of a two-node cluster: ha_agents vs real Heartbeat.

    sudo .venv/bin/python bench/idle.py [--seconds 20] [--keepalives 1000,100]
                                        [--systems ha_agents,heartbeat]

For each system and keepalive, a fresh lab with node1 (192.0.2.11) and node2
(192.0.2.12), ucast on eth0, warntime = 3 x keepalive, deadtime = 5 x keepalive:

* idle: once both nodes see each other, CPU% (of one core) and RSS of each node's
  processes over ``--seconds`` (psutil; Heartbeat = every process of its mount
  namespace, ha_agents = its one process);
* detection: node2 gets SIGKILL; time until node1 reports it ``dead`` (ha_agents: polled
  over the control socket; Heartbeat: ``cl_status nodestatus`` via nsenter, so a few tens
  of ms coarser), against deadtime.

Not a test: it prints numbers.  Compare systems measured in the same run (2 shared cores).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from tests.lab import Lab
from tests.lab.agentnode import AgentNode, medium, wait_status
from tests.lab.heartbeat import make_ha_cf

ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


@dataclass
class Result:
    system: str
    keepalive_ms: int
    deadtime_ms: int
    cpu_pct: list[float]
    rss_mb: list[float]
    detect_s: float | None


def measure(
    pids_of: list[Callable[[], list[int]]], seconds: float
) -> tuple[list[float], list[float]]:
    """CPU% and RSS (MB) per node over ``seconds``."""
    procs = [[psutil.Process(p) for p in f()] for f in pids_of]
    start = [sum(sum(p.cpu_times()[:2]) for p in ps) for ps in procs]
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    cpu, rss = [], []
    for ps, s0 in zip(procs, start, strict=True):
        used = sum(sum(p.cpu_times()[:2]) for p in ps if p.is_running())
        cpu.append(100.0 * (used - s0) / wall)
        rss.append(sum(p.memory_info().rss for p in ps if p.is_running()) / 2**20)
    return cpu, rss


def run_ha_agents(ka: int, seconds: float) -> Result:
    timers = (ka, 3 * ka, 5 * ka, 10 * ka)
    with Lab("bi") as lab:
        nodes = {}
        for i, name in enumerate(ADDRS):
            host = lab.add_host(name, lab.cidr(11 + i))
            media = [medium("ucast", "eth0", peer=a) for a in ADDRS.values()]
            nodes[name] = AgentNode(lab.tmpdir, name, list(ADDRS), media, timers, host=host)
            nodes[name].start()
        for me, other in (("node1", "node2"), ("node2", "node1")):
            if wait_status(lambda m=me, o=other: nodes[m].nodestatus(o), "active", 30) is None:
                raise SystemExit(f"ha_agents {me} never saw {other}: {nodes[me].output()}")
        nodes["node2"].wait_steady()
        pid_fns = [lambda n=n: [n.proc.pid] if n.proc else [] for n in nodes.values()]
        cpu, rss = measure(pid_fns, seconds)
        t0 = time.monotonic()
        nodes["node2"].kill(signal.SIGKILL)
        took = wait_status(lambda: nodes["node1"].nodestatus("node2"), "dead", 30)
        detect = None if took is None else time.monotonic() - t0
        for n in nodes.values():
            n.stop()
    return Result("ha_agents", ka, 5 * ka, cpu, rss, detect)


def run_heartbeat(ka: int, seconds: float) -> Result:
    with Lab("bh") as lab:
        ha_cf = make_ha_cf(
            ADDRS,
            keepalive=f"{ka}ms",
            warntime=f"{3 * ka}ms",
            deadtime=f"{5 * ka}ms",
            initdead=f"{10 * ka}ms",
            media="ucast",
        )
        nodes = {}
        for i, name in enumerate(ADDRS):
            host = lab.add_host(name, lab.cidr(11 + i))
            nodes[name] = lab.add_heartbeat_node(host, name, ha_cf)
            nodes[name].start()
        for me, other in (("node1", "node2"), ("node2", "node1")):
            if wait_status(lambda m=me, o=other: nodes[m].nodestatus(o), "active", 60) is None:
                raise SystemExit(f"heartbeat {me} never saw {other}: {nodes[me].log()[-2000:]}")
        time.sleep(5.3)  # past the start-up dt grace
        cpu, rss = measure([n.pids for n in nodes.values()], seconds)
        t0 = time.monotonic()
        nodes["node2"].kill(signal.SIGKILL)
        took = wait_status(lambda: nodes["node1"].nodestatus("node2"), "dead", 60)
        detect = None if took is None else time.monotonic() - t0
        nodes["node1"].stop()
    return Result("heartbeat", ka, 5 * ka, cpu, rss, detect)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--keepalives", default="1000,100", help="keepalive values in ms")
    ap.add_argument("--systems", default="ha_agents,heartbeat")
    args = ap.parse_args()
    runners = {"ha_agents": run_ha_agents, "heartbeat": run_heartbeat}
    systems = [s for s in args.systems.split(",") if s]
    if any(s not in runners for s in systems):
        ap.error(f"--systems: choose from {', '.join(runners)}")
    if "heartbeat" in systems and not Path("/usr/libexec/heartbeat/heartbeat").exists():
        print("heartbeat package missing: measuring ha_agents only", file=sys.stderr)
        systems = [s for s in systems if s != "heartbeat"]
    results = []
    for ka in (int(k) for k in args.keepalives.split(",")):
        for system in systems:
            print(f"... {system} keepalive {ka} ms", file=sys.stderr, flush=True)
            results.append(runners[system](ka, args.seconds))
    print(
        f"{'system':<10} {'keepalive':>9} {'CPU% node1/node2':>18} {'RSS MB node1/node2':>19}"
        f" {'detect s':>9} {'deadtime s':>10}"
    )
    for r in results:
        cpu = "/".join(f"{c:.2f}" for c in r.cpu_pct)
        rss = "/".join(f"{m:.1f}" for m in r.rss_mb)
        det = "-" if r.detect_s is None else f"{r.detect_s:.3f}"
        print(
            f"{r.system:<10} {r.keepalive_ms:>7}ms {cpu:>18} {rss:>19} {det:>9}"
            f" {r.deadtime_ms / 1000:>10.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
