"""Start/stop times of our IPaddr agent, in a network namespace (needs root).

Prints the median (and min/max) of N runs of:
* in-process: ipaddr.start() with netlink + the first gratuitous ARP sent (what a daemon
  calling the agent's logic directly pays), and ipaddr.stop();
* InProcessRunner: the same call as the daemon makes it for our own IPaddr (the agent's
  main() in a worker thread, result as a RunResult);
* script: resource.d/IPaddr start/stop run through AsyncScriptRunner with our interpreter,
  as ha_agents runs its own agents (what a resource.d script costs: interpreter start-up
  and imports included; pyroute2's import alone is ~130 ms here).

    .venv/bin/python bench/resources_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
VIP = "192.0.2.50"


def inner(runs: int) -> dict[str, list[float]]:
    from ha_agents.agents.ipaddr import logic as ipaddr
    from ha_agents.agents.ipaddr.garp import RawGarp
    from ha_agents.agents.ipaddr.inprocess import InProcessRunner
    from ha_agents.agents.ipaddr.netlink import NetlinkAddressManager
    from ha_agents.config.search import package_agents_dir
    from ha_agents.resources import env as script_env
    from ha_agents.resources.runner import AsyncScriptRunner

    keys = ("inproc_start", "inproc_stop", "runner_start", "runner_stop")
    out: dict[str, list[float]] = {k: [] for k in (*keys, "script_start", "script_stop")}
    params = ipaddr.IPaddrParams(ipaddress.IPv4Address(VIP))
    announcer = RawGarp(count=5, interval=0.2, background="thread")
    with NetlinkAddressManager() as mgr:
        for _ in range(runs):
            t0 = time.perf_counter()
            res = ipaddr.start(params, mgr, announcer)
            t1 = time.perf_counter()
            assert res.ok and "gratuitous ARP failed" not in res.message, res.message
            assert ipaddr.stop(params, mgr).ok
            t2 = time.perf_counter()
            out["inproc_start"].append(t1 - t0)
            out["inproc_stop"].append(t2 - t1)
    env = script_env.build(os.environ, script_env.ScriptEnvConfig(python=sys.executable))
    env["OCF_RESKEY_arp_count"] = "1"
    runner = AsyncScriptRunner()
    script = str(Path(package_agents_dir()) / "IPaddr")
    inproc = InProcessRunner(runner)

    async def scripted() -> None:
        for _ in range(runs):
            start = await inproc.run([sys.executable, script, VIP, "start"], env, 30)
            stop = await inproc.run([sys.executable, script, VIP, "stop"], env, 30)
            assert start.rc == 0 and stop.rc == 0, (start, stop)
            out["runner_start"].append(start.duration)
            out["runner_stop"].append(stop.duration)
        for _ in range(runs):
            start = await runner.run([sys.executable, script, VIP, "start"], env, 30)
            stop = await runner.run([sys.executable, script, VIP, "stop"], env, 30)
            assert start.rc == 0 and stop.rc == 0, (start, stop)
            out["script_start"].append(start.duration)
            out["script_stop"].append(stop.duration)

    asyncio.run(scripted())
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    runs = max(1, min(args.runs, 1000))
    if args.inner:
        print(json.dumps(inner(runs)))
        return 0
    if os.geteuid() != 0:
        print("resources_bench: needs root (network namespaces); skipped")
        return 0
    from tests.lab import Lab

    with Lab("rb") as lab:
        host = lab.add_host("a", "192.0.2.11/24")
        lab.add_host("b", "192.0.2.12/24")
        res = host.run(
            [sys.executable, __file__, "--inner", "--runs", str(runs)], check=False, timeout=600
        )
    if res.returncode != 0:
        print(res.stdout + res.stderr, file=sys.stderr)
        return 1
    data = json.loads(res.stdout)
    print(f"IPaddr {VIP}: {runs} runs each, milliseconds (median [min-max])")
    labels = {
        "inproc_start": "start, in-process (netlink add + 1st GARP)",
        "inproc_stop": "stop, in-process (netlink del)",
        "runner_start": "start, InProcessRunner (daemon path, thread hop)",
        "runner_stop": "stop, InProcessRunner",
        "script_start": "start, resource.d/IPaddr script via runner",
        "script_stop": "stop, resource.d/IPaddr script via runner",
    }
    for key, label in labels.items():
        ms = [v * 1000 for v in data[key]]
        print(f"  {label:<50} {statistics.median(ms):7.2f}  [{min(ms):.2f}-{max(ms):.2f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
