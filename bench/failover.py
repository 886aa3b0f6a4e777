#!/usr/bin/env python3
"""Failover benchmark: real Heartbeat 3.0.6, keepalived (VRRPv3) and ha_agents, same lab,
same faults, back to back in one run (needs root; not a test).

For each timer setting (keepalive/deadtime; keepalived gets advert_int = keepalive) and
each system: two nodes in network namespaces (VIP 192.0.2.50 homed on n1, a web server
on each node answering its name), a client polling the VIP over HTTP every 10 ms.  Each
trial applies a fault to the active node n1 and measures
  (a) fault -> VIP configured on n2 (``ip -o monitor address`` in n2's namespace),
  (b) fault -> first successful HTTP answer from n2 at the client,
  (c) the client-visible gap: last answer (from n1) -> first answer from n2 (for standby
      the fault is the command's start, and n1 serves until it lets go),
then restores n1 (restart / SIGCONT / reconnect), waits until n1 serves again (auto_failback
on / preemption) and until the restarted node is past its start-up grace.

    python bench/failover.py                      # 100/500 and 50/250, kill, 5 trials
    python bench/failover.py --settings 1000/5000,100/500,50/250 --faults kill,hang
    python bench/failover.py --systems heartbeat,ha_agents,pacemaker --settings 200/1000

pacemaker: the same ha.cf/haresources exported (``ha-agents export pacemaker``, CIB) and
run by Pacemaker 2.1 + Corosync 3 (token = deadtime / 2.2, at least 1 s); standby is
``crm_standby``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab import Host, Lab, LabError, wait_until
from tests.lab.cluster import (
    AUTHKEYS,
    ClusterSpec,
    LabNode,
    vip_holders,
)
from tests.lab.httpserver import serve_name
from tests.lab.keepalived import make_keepalived_conf
from tests.lab.pcmkcluster import pacemaker_pair
from tests.lab.poller import HttpPoller

VIP = "192.0.2.50"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
SYSTEMS = ("heartbeat", "keepalived", "ha_agents", "pacemaker")
#: A request to a dead node hangs until this timeout: it quantises (b).  The lab's RTT is
#: well under 1 ms, so 50 ms loses no answer and keeps (b) within 50 ms of the truth.
CLIENT_TIMEOUT_S = 0.05
FAULTS = ("kill", "hang", "stop", "standby")  # standby: heartbeat and ha_agents only


class VipWatch:
    """Timestamps (monotonic, on read) of VIP additions in one namespace."""

    def __init__(self, host: Host) -> None:
        self.proc = host.popen(["ip", "-o", "monitor", "address"], stdout=subprocess.PIPE)
        self.added: list[float] = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            if f" {VIP}/" in line and not line.startswith("Deleted"):
                self.added.append(time.monotonic())

    def first_after(self, t: float) -> float | None:
        return next((a for a in self.added if a >= t), None)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=3)


@dataclass
class Trial:
    vip: float | None
    client: float | None
    gap: float | None = None  # last answer before the first from n2 -> that answer


@dataclass
class Result:
    system: str
    setting: str
    fault: str
    trials: list[Trial] = field(default_factory=list)
    note: str = ""


class Cluster:
    """One system's two nodes on a fresh lab; n1 is the VIP's home / VRRP master."""

    def __init__(
        self, lab: Lab, system: str, ka_ms: int, dead_ms: int, drop_in: bool = False
    ) -> None:
        self.lab, self.system, self.drop_in = lab, system, drop_in
        self.h1 = lab.add_host("n1", "192.0.2.11/24")
        self.h2 = lab.add_host("n2", "192.0.2.12/24")
        self.client = lab.add_host("cl", "192.0.2.20/24")
        for h in (self.h1, self.h2):
            serve_name(h, h.name)
        self.spec = ClusterSpec(
            NODES, keepalive_ms=ka_ms, deadtime_ms=dead_ms, media="ucast", auto_failback="on"
        )
        self.grace = max(5.5, 2 * dead_ms / 1000)
        if system == "pacemaker":  # the same spec exported (CIB) and run by Pacemaker
            self.n1, self.n2 = pacemaker_nodes(lab, {"node1": self.h1, "node2": self.h2}, self.spec)
            return
        self.n1 = self._make("node1", self.h1)
        self.n2 = self._make("node2", self.h2)
        self.n2.start()
        self.n1.start()

    def _make(self, node: str, host: Host) -> Node:
        if self.system == "ha_agents":
            return HaNode(self.lab, host, node, self.spec, stock=self.drop_in)
        if self.system == "heartbeat":
            hb = self.lab.add_heartbeat_node(
                host, node, ha_cf=self.spec.ha_cf(), haresources=self.spec.haresources(),
                authkeys=AUTHKEYS,
            )  # fmt: skip
            return Node(
                hb.start,
                hb.kill,
                hb.stop,
                lambda: hb.run_in(["/usr/share/heartbeat/hb_standby", "all"]),
                lambda: hb.run_in(["/usr/share/heartbeat/hb_takeover", "all"]),
            )
        prio = 150 if node == "node1" else 100
        me, peer = NODES[node], NODES["node2" if node == "node1" else "node1"]
        conf = make_keepalived_conf(
            node, f"{VIP}/24", priority=prio, advert_int=self.spec.keepalive_ms / 1000,
            unicast_peers=[peer], src_ip=me,
        )  # fmt: skip
        ka = self.lab.add_keepalived_node(host, node, conf)
        return Node(ka.start, ka.kill, ka.stop)

    def holders(self) -> list[str]:
        return vip_holders([self.h1, self.h2], VIP)


@dataclass
class Node:
    start: Callable[[], object]
    kill: Callable[[int], object]
    stop: Callable[[], object]
    standby: Callable[[], object] | None = None
    takeover: Callable[[], object] | None = None


class HaNode(Node):
    def __init__(
        self, lab: Lab, host: Host, node: str, spec: ClusterSpec, stock: bool = False
    ) -> None:
        self.n = LabNode(lab, host, node, spec, stock_ha_d=stock)
        super().__init__(
            self.n.start,
            self.n.kill,
            self.n.stop,
            lambda: self.n.ctl("standby", "all"),
            lambda: self.n.ctl("takeover", "all"),
        )


def pacemaker_nodes(lab: Lab, hosts: dict[str, Host], spec: ClusterSpec) -> tuple[Node, Node]:
    cl = pacemaker_pair(lab, hosts, spec)

    def node(name: str) -> Node:
        n = cl.nodes[name]
        standby = ["crm_standby", "-N", name, "-v"]
        return Node(n.start, n.kill, n.stop, lambda: n.run_in([*standby, "on"]),
                    lambda: n.run_in([*standby, "off"]))  # fmt: skip

    return node("node1"), node("node2")


def inject(c: Cluster, fault: str) -> None:
    if fault == "kill":
        c.n1.kill(signal.SIGKILL)
        c.h1.link_down()
    elif fault == "hang":
        c.n1.kill(signal.SIGSTOP)
    elif fault == "standby":
        assert c.n1.standby is not None
        res = c.n1.standby()
        rc = getattr(res, "returncode", 0)
        if rc:
            print(f"  standby command exit {rc}: {getattr(res, 'stderr', '')!s:.300}", flush=True)
    else:
        c.n1.stop()


def _restart(c: Cluster) -> None:
    """Start n1 again, after making sure the killed processes are gone."""
    for _ in range(3):
        try:
            c.n1.start()
            return
        except LabError:
            c.n1.kill(signal.SIGKILL)
            time.sleep(1.0)
    c.n1.start()


def restore(c: Cluster, fault: str) -> None:
    if fault == "kill":
        c.h1.run(["ip", "addr", "del", f"{VIP}/24", "dev", "eth0"], check=False)
        c.h1.link_up()
        _restart(c)
    elif fault == "hang":
        c.n1.kill(signal.SIGCONT)
    elif fault == "standby":
        assert c.n1.takeover is not None
        c.n1.takeover()
    else:
        _restart(c)


def run_system(
    system: str,
    ka: int,
    dead: int,
    faults: list[str],
    trials: int,
    log: Callable[[str], None],
    drop_in: bool = False,
    after_trial: Callable[[Cluster, Trial], None] | None = None,
) -> list[Result]:
    """``drop_in``: ha_agents nodes get the heartbeat package's /etc/ha.d (stock
    resource.d/IPaddr); ``after_trial`` sees the cluster once n2 serves."""
    out: list[Result] = []
    setting = f"{ka}ms/{dead}ms"
    with Lab("bn") as lab:
        c = Cluster(lab, system, ka, dead, drop_in=drop_in)
        if not wait_until(lambda: c.holders() == ["n1"], 30, interval=0.1):
            return [Result(system, setting, f, note=f"no start: {c.holders()}") for f in faults]
        poller = HttpPoller(
            c.client, f"http://{VIP}/", interval=0.01, duration=3600, timeout=CLIENT_TIMEOUT_S
        ).start()
        watch = VipWatch(c.h2)
        try:
            for fault in faults:
                res = Result(system, setting, fault)
                out.append(res)
                if fault == "standby" and c.n1.standby is None:
                    res.note = "no standby command"
                    continue
                for i in range(trials):
                    time.sleep(c.grace)
                    if not poller.wait_ok(10, after=time.monotonic(), backend="n1"):
                        res.note = f"n1 not serving before trial {i + 1} (VIP on {c.holders()})"
                        log(f"  {res.note}")
                        break
                    t0 = time.monotonic()
                    inject(c, fault)
                    ok = poller.wait_ok(max(15.0, 4 * dead / 1000), after=t0, backend="n2")
                    oks = [s for s in poller.samples() if s.ok]
                    first = next((s for s in oks if s.start > t0 and s.backend == "n2"), None)
                    before = [s for s in oks if first is not None and s.end < first.start]
                    gap = None if first is None or not before else first.end - before[-1].end
                    vip_at = watch.first_after(t0)
                    res.trials.append(
                        Trial(
                            None if vip_at is None else vip_at - t0,
                            None if first is None or not ok else first.end - t0,
                            gap,
                        )
                    )
                    tr = res.trials[-1]
                    if after_trial is not None:
                        after_trial(c, tr)
                    log(
                        f"  {system:10s} {setting:12s} {fault:5s} #{i + 1}: "
                        f"vip {_f(tr.vip)}  client {_f(tr.client)}  gap {_f(tr.gap)}"
                    )
                    try:
                        restore(c, fault)
                    except LabError as exc:
                        res.note = f"restore failed: {exc}"
                        log(f"  {res.note}")
                        break
                    back = time.monotonic()
                    # between trials only: once n1 holds the VIP again, drop the client's
                    # ARP entry so a system that does not re-announce cannot stall the run
                    wait_until(lambda: c.holders() == ["n1"], 30, interval=0.1)
                    c.client.run(["ip", "neigh", "flush", "all"], check=False)
                    if not poller.wait_ok(30, after=back, backend="n1"):
                        res.note = f"n1 did not come back (VIP on {c.holders()})"
                        log(f"  {res.note}")
                        break
        finally:
            watch.close()
            poller.stop()
    return out


def false_failovers(system: str, ka: int, dead: int, seconds: float) -> tuple[int, str]:
    """VIP moves to n2 while n1 is healthy but both cores are busy in n1's namespace."""
    with Lab("bl") as lab:
        c = Cluster(lab, system, ka, dead)
        if not wait_until(lambda: c.holders() == ["n1"], 30, interval=0.1):
            return -1, f"no start: {c.holders()}"
        time.sleep(c.grace)
        watch = VipWatch(c.h2)
        hogs = [
            c.h1.popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)
        ]
        t0 = time.monotonic()
        try:
            time.sleep(seconds)
        finally:
            for h in hogs:
                h.kill()
                h.wait(timeout=5)
            watch.close()
        moves = len([a for a in watch.added if a >= t0])
        return moves, f"{seconds:.0f} s with {len(hogs)} busy loops on n1"


def _f(x: float | None) -> str:
    return "   -   " if x is None else f"{x:7.3f}"


def _stats(values: list[float | None]) -> tuple[float, float, float] | None:
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v)


def table(results: list[Result]) -> str:
    lines = [
        "| setting | fault | system | n | fault->VIP median (min-max) s "
        "| fault->client OK median (min-max) s | client gap median (min-max) s |",
        "|---|---|---|---|---|---|---|",
    ]
    by: dict[tuple[str, str, str], Result] = {(r.setting, r.fault, r.system): r for r in results}
    for r in results:
        a, b = _stats([t.vip for t in r.trials]), _stats([t.client for t in r.trials])
        fa = "-" if a is None else f"{a[0]:.3f} ({a[1]:.3f}-{a[2]:.3f})"
        fb = "-" if b is None else f"{b[0]:.3f} ({b[1]:.3f}-{b[2]:.3f})"
        g = _stats([t.gap for t in r.trials])
        fg = "-" if g is None else f"{g[0]:.3f} ({g[1]:.3f}-{g[2]:.3f})"
        note = f" {r.note}" if r.note else ""
        lines.append(
            f"| {r.setting} | {r.fault} | {r.system} | {len(r.trials)} | {fa} | {fb} | {fg}{note} |"
        )
    lines.append("")
    lines.append("ratios of medians (client OK; VIP in brackets), ha_agents / other:")
    for (setting, fault, system), r in by.items():
        if system != "ha_agents":
            continue
        ours_b, ours_a = _stats([t.client for t in r.trials]), _stats([t.vip for t in r.trials])
        for other in ("heartbeat", "keepalived"):
            o = by.get((setting, fault, other))
            if o is None or ours_b is None:
                continue
            ob, oa = _stats([t.client for t in o.trials]), _stats([t.vip for t in o.trials])
            if ob is None:
                continue
            va = "" if ours_a is None or oa is None else f" [{ours_a[0] / oa[0]:.2f}]"
            lines.append(f"  {setting} {fault}: ha_agents/{other} = {ours_b[0] / ob[0]:.2f}{va}")
    fast, ka100 = (
        by.get(("50ms/250ms", "kill", "ha_agents")),
        by.get(("100ms/500ms", "kill", "keepalived")),
    )
    if fast is not None and ka100 is not None:
        a = _stats([t.client for t in fast.trials])
        b = _stats([t.client for t in ka100.trials])
        if a is not None and b is not None:
            lines.append(
                f"  ha_agents 50ms/250ms vs keepalived advert 0.1 s (kill): {a[0] / b[0]:.2f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--settings", default="100/500,50/250", help="keepalive/deadtime ms, ...")
    p.add_argument("--faults", default="kill", help=f"comma list of {','.join(FAULTS)}")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--trials", type=int, default=5)
    p.add_argument(
        "--load-seconds",
        type=float,
        default=0.0,
        help="also count false failovers under CPU load for this long (50ms/250ms)",
    )
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("bench/failover.py: needs root (network namespaces)", file=sys.stderr)
        return 1
    faults = [f for f in args.faults.split(",") if f]
    systems = [s for s in args.systems.split(",") if s]
    if any(f not in FAULTS for f in faults) or any(s not in SYSTEMS for s in systems):
        print(f"faults: {FAULTS}; systems: {SYSTEMS}", file=sys.stderr)
        return 2
    results: list[Result] = []
    for pair in args.settings.split(","):
        ka, dead = (int(x) for x in pair.split("/"))
        for system in systems:
            print(f"== {system} keepalive {ka} ms deadtime {dead} ms", flush=True)
            try:
                results += run_system(
                    system, ka, dead, faults, args.trials, lambda s: print(s, flush=True)
                )
            except (LabError, OSError) as exc:
                print(f"  {system}: lab error: {exc}", flush=True)
                results += [Result(system, f"{ka}ms/{dead}ms", f, note=str(exc)) for f in faults]
    print()
    print(table(results))
    if args.load_seconds > 0:
        print()
        for system in systems:
            moves, how = false_failovers(system, 50, 250, args.load_seconds)
            print(f"false failovers, {system} 50ms/250ms: {moves} ({how})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
