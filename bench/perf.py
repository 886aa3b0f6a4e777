#!/usr/bin/env python3
"""Issue 18 in one table: ha_agents beside real Heartbeat 3.0.6 and keepalived, measured
in one run on this machine, the goal beside each row (needs root; not a test).

    sudo .venv/bin/python bench/perf.py                 # every row (~45 min: 2 x 10 min load)
    sudo .venv/bin/python bench/perf.py --rows idle,rss,dropin,verdict --seconds 20
    sudo .venv/bin/python bench/perf.py --load-seconds 60 --trials 3   # a quick look

Two nodes in network namespaces (n1 192.0.2.11 holds the VIP 192.0.2.50, n2 192.0.2.12),
bcast on eth0 (the interfaces have a broadcast address, as ifupdown sets one), the same
generated ha.cf/haresources/authkeys for Heartbeat and ha_agents; ha_agents is a
drop-in: its configuration directory is a copy of the heartbeat package's /etc/ha.d,
so ``IPaddr::192.0.2.50/24/eth0`` is Heartbeat's own resource.d/IPaddr.  keepalived
gets advert_int = keepalive.  The idle rows add a fourth column, the Python floor:
bench/tools/pyfloor.py on both nodes, a loop of the standard library doing only what any
Python heartbeat node must do each keepalive (wake, read, verify, sign, send); it is
what the CPU and RSS goals can be held against.

* idle CPU: % of one core per node over ``--seconds`` (at least 60 keepalives: 60 s at
  1 s) once both nodes are settled, from the scheduler's run time of every process of
  the node (/proc/PID/schedstat: exact, not sampled at the tick); RSS: the sum over the
  node's processes;
* drop-in failover: n1 hangs (SIGSTOP), time to the first answer from n2 at a client
  polling the VIP over HTTP (bench/failover.py's method), median of ``--trials``;
* verdict -> address: ha_agents' own figure (status document ``timing``): from the
  deadtime verdict to the kernel's acknowledgement of the address;
* flood: forged status messages (valid-looking, claiming to be node1, signed with a
  wrong key) from a third host on the LAN to n2's heartbeat port, sent by trafgen at
  increasing rates for ``--flood-seconds`` each; the breaking point is the first rate at
  which n2 takes the VIP (a false failover); the rate shown is the one that arrived
  (n2's eth0 rx counter);
* load: ``--load-seconds`` at 50 ms/250 ms with a busy loop per core and a 100 MB/s
  writer (buffered writes + fdatasync, on the disk of the lab's temp dir, also where
  the daemons log) on n1; a false failover is the VIP added on n2.

Timing figures on a shared machine are indicative; compare systems of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import failover as fb  # bench/failover.py

from tests.lab import Host, Lab, LabError, wait_until
from tests.lab.cluster import AUTHKEYS, ClusterSpec, LabNode, vip_holders
from tests.lab.flood import Flood, forged_status, frame, mac, rx_packets
from tests.lab.keepalived import make_keepalived_conf

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
VIP = "192.0.2.50"
SYSTEMS = ("ha_agents", "heartbeat", "keepalived", "python_floor")
#: Only in the idle rows: bench/tools/pyfloor.py, what any Python node does per keepalive.
FLOOR = "python_floor"
#: Rates asked of trafgen (what arrived at the target is measured and shown); 0: as
#: fast as it goes, from one generator process per core.
FLOOD_RATES = (1_000, 10_000, 50_000, 80_000, 100_000, 120_000, 140_000, 160_000, 200_000,
               300_000, 0)  # fmt: skip
WRITER = """
import os, sys, time
path, rate = sys.argv[1], 100 * 2**20
chunk = b"\\0" * 2**20
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
t0, done = time.monotonic(), 0
while True:
    os.write(fd, chunk); done += len(chunk)
    if done % (32 * 2**20) == 0: os.fdatasync(fd)
    if done % 2**30 == 0: os.lseek(fd, 0, 0)
    ahead = done / rate - (time.monotonic() - t0)
    if ahead > 0: time.sleep(ahead)
"""


@dataclass
class Row:
    name: str
    goal: str
    cells: dict[str, str] = field(default_factory=dict)
    verdict: str = ""


# -- nodes of each system ---------------------------------------------------------------
class Pair:
    """Two nodes of one system on a fresh lab (entered by the caller)."""

    def __init__(self, lab: Lab, system: str, spec: ClusterSpec) -> None:
        self.lab, self.system, self.spec = lab, system, spec
        self.hosts = [lab.add_host("n1", "192.0.2.11/24"), lab.add_host("n2", "192.0.2.12/24")]
        for h in self.hosts:  # a broadcast address (Heartbeat's bcast sends to it)
            h.run(["ip", "addr", "del", f"{h.ip}/24", "dev", "eth0"])
            h.run(["ip", "addr", "add", f"{h.ip}/24", "brd", "+", "dev", "eth0"])
        self.pids: list[Callable[[], list[int]]] = []
        self.signal: list[Callable[[int], object]] = []
        for host, name in zip(self.hosts, NODES, strict=True):
            self._add(host, name)

    def _add(self, host: Host, name: str) -> None:
        if self.system == "ha_agents":
            n = LabNode(self.lab, host, name, self.spec, stock_ha_d=True)
            n.start()
            self.pids.append(n.pids)
            self.signal.append(n.kill)
        elif self.system == "heartbeat":
            hb = self.lab.add_heartbeat_node(
                host, name, self.spec.ha_cf(), self.spec.haresources(), AUTHKEYS
            )
            hb.start()
            self.pids.append(hb.pids)
            self.signal.append(hb.kill)
        elif self.system == FLOOR:
            peer = next(n for n in NODES if n != name)
            floor = str(Path(__file__).parent / "tools" / "pyfloor.py")
            argv = [sys.executable, floor, name, peer, "192.0.2.255", str(self.spec.keepalive_ms)]
            proc = host.popen(argv)
            self.pids.append(lambda: [proc.pid] if proc.poll() is None else [])
            self.signal.append(proc.send_signal)
        else:
            me = NODES[name]
            conf = make_keepalived_conf(
                name, f"{VIP}/24", priority=150 if name == "node1" else 100,
                advert_int=self.spec.keepalive_ms / 1000,
            )  # fmt: skip
            ka = self.lab.add_keepalived_node(host, name, conf)
            ka.start()
            self.pids.append(ka.pids)
            self.signal.append(ka.kill)
            del me

    def settle(self, extra_s: float) -> bool:
        if self.system == FLOOR:  # no address to hold: running is all it does
            time.sleep(min(extra_s, 3.0))
            return all(f() for f in self.pids)
        ok = wait_until(lambda: vip_holders(self.hosts, VIP) == ["n1"], 60, interval=0.2)
        time.sleep(extra_s)
        return ok and vip_holders(self.hosts, VIP) == ["n1"]


def _cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total / 1024


#: Keepalives an idle window holds at least: at 1 s a 30 s window held 30, and one stray
#: wake-up moved the row by a third (docs/performance.md).
MIN_KEEPALIVES = 60


def idle(system: str, ka_ms: int, seconds: float) -> tuple[list[float], list[float]]:
    """CPU % of a core and RSS MB, per node, over ``seconds`` or MIN_KEEPALIVES
    keepalives, whichever is longer."""
    seconds = max(seconds, MIN_KEEPALIVES * ka_ms / 1000)
    spec = ClusterSpec(NODES, keepalive_ms=ka_ms, deadtime_ms=5 * ka_ms, media="bcast")
    with Lab("pi") as lab:
        pair = Pair(lab, system, spec)
        if not pair.settle(12.0):  # Heartbeat: ~10 s to its initial acquisition
            raise LabError(f"{system}: the VIP never settled on n1")
        pids = [f() for f in pair.pids]
        before, t0 = [_cpu_s(p) for p in pids], time.monotonic()
        time.sleep(seconds)
        wall = time.monotonic() - t0
        cpu = [100 * (_cpu_s(p) - b) / wall for p, b in zip(pids, before, strict=True)]
        return cpu, [_rss_mb(f()) for f in pair.pids]


# -- drop-in failover ------------------------------------------------------------------------
def dropin(system: str, ka_ms: int, trials: int, verdicts: list[float]) -> float | None:
    """Median hang -> first client answer from n2 (s); ha_agents' verdict -> address (ms)
    of each trial appended to ``verdicts``."""

    def after(c: fb.Cluster, tr: fb.Trial) -> None:
        if c.system != "ha_agents":
            return
        r = c.n2.n.ctl("status", "--json")  # type: ignore[attr-defined]
        timing = json.loads(r.stdout or "{}").get("timing", {})
        dead, added = timing.get("dead_verdict"), timing.get("address_added")
        if dead is not None and added is not None and added >= dead:
            verdicts.append(1000 * (added - dead))

    results = fb.run_system(
        system, ka_ms, 5 * ka_ms, ["hang"], trials, lambda s: print(s, flush=True),
        drop_in=True, after_trial=after,
    )  # fmt: skip
    times = [t.client for r in results for t in r.trials if t.client is not None]
    return statistics.median(times) if times else None


# -- flood -----------------------------------------------------------------------------------
def flood(system: str, seconds: float) -> tuple[float | None, float, list[str]]:
    """(arrived rate at the first false failover or None, highest rate arrived, log)."""
    spec = ClusterSpec(NODES, keepalive_ms=100, deadtime_ms=500, media="bcast")
    notes: list[str] = []
    with Lab("pf") as lab:
        pair = Pair(lab, system, spec)
        attacker = lab.add_host("fl", "192.0.2.66/24")
        if not pair.settle(12.0):
            raise LabError(f"{system}: the VIP never settled on n1")
        n2 = pair.hosts[1]
        data = frame(mac(attacker), mac(n2), "192.0.2.66", n2.ip or "", 694,
                     forged_status("node1"))  # fmt: skip
        watch = fb.VipWatch(n2)
        top = 0.0
        try:
            for rate in FLOOD_RATES:
                r0, t0 = rx_packets(n2), time.monotonic()
                f = Flood(attacker, lab.tmpdir, data, rate or None)
                time.sleep(seconds)
                f.stop()
                arrived = (rx_packets(n2) - r0) / (time.monotonic() - t0)
                top = max(top, arrived)
                moved = watch.first_after(t0) is not None
                notes.append(
                    f"  {system:10s} asked {rate or 'max'} pps: arrived "
                    f"{arrived:,.0f} pps, {'FALSE FAILOVER' if moved else 'no failover'}"
                )
                print(notes[-1], flush=True)
                if moved:
                    return arrived, top, notes
                time.sleep(2.0)
        finally:
            watch.close()
    return None, top, notes


# -- load ------------------------------------------------------------------------------------
def load(system: str, seconds: float) -> tuple[int, str]:
    """False failovers at 50 ms/250 ms with both cores busy and a disk writer on n1."""
    spec = ClusterSpec(NODES, keepalive_ms=50, deadtime_ms=250, media="bcast")
    with Lab("pl") as lab:
        pair = Pair(lab, system, spec)
        if not pair.settle(12.0):
            return -1, "never settled"
        n1, n2 = pair.hosts
        watch = fb.VipWatch(n2)
        hogs = [
            n1.popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)
        ]
        writer = n1.popen([sys.executable, "-c", WRITER, str(lab.tmpdir / "writer.bin")])
        t0 = time.monotonic()
        try:
            time.sleep(seconds)
        finally:
            for p in [*hogs, writer]:
                p.kill()
                p.wait(timeout=10)
            (lab.tmpdir / "writer.bin").unlink(missing_ok=True)
            watch.close()
        moves = len([a for a in watch.added if a >= t0])
        return moves, f"{seconds:.0f} s, {len(hogs)} busy loops + 100 MB/s writer on n1"


# -- the table -------------------------------------------------------------------------------
def _pair(values: list[float], fmt: str) -> str:
    return "/".join(format(v, fmt) for v in values)


def _ok(flag: bool | None) -> str:
    return "-" if flag is None else ("met" if flag else "NOT met")


def idle_rows(systems: list[str], seconds: float) -> list[Row]:
    rows = [
        Row("idle CPU per node, keepalive 100 ms (% of a core, n1/n2)", "<= 0.5 x Heartbeat"),
        Row("idle CPU per node, keepalive 1 s (% of a core, n1/n2)", "<= Heartbeat"),
        Row("RSS per node, all its processes (MB, n1/n2, keepalive 100 ms)", "<= 20 MB"),
    ]
    cpu: dict[tuple[str, int], float] = {}
    rss: dict[str, float] = {}
    for ka, row in ((100, rows[0]), (1000, rows[1])):
        for system in systems:
            print(f"== idle {system} keepalive {ka} ms", flush=True)
            c, r = idle(system, ka, seconds)
            row.cells[system] = _pair(c, ".3f")
            cpu[(system, ka)] = max(c)
            if ka == 100:
                rows[2].cells[system] = _pair(r, ".1f")
                rss[system] = max(r)
    hb100, hb1000 = cpu.get(("heartbeat", 100)), cpu.get(("heartbeat", 1000))
    ours100, ours1000 = cpu.get(("ha_agents", 100)), cpu.get(("ha_agents", 1000))
    if hb100 and ours100 is not None:
        rows[0].verdict = _ok(ours100 <= 0.5 * hb100) + f" ({ours100 / hb100:.2f} x)"
        floor = cpu.get((FLOOR, 100))
        if floor is not None:  # what any Python node costs here, beside the goal
            rows[0].verdict += f"; Python floor {floor / hb100:.2f} x"
    if hb1000 and ours1000 is not None:
        rows[1].verdict = _ok(ours1000 <= hb1000) + f" ({ours1000 / hb1000:.2f} x)"
    if "ha_agents" in rss:
        rows[2].verdict = _ok(rss["ha_agents"] <= 20.0)
    return rows


def dropin_rows(systems: list[str], trials: int) -> list[Row]:
    fast = Row("hang -> first client answer, 100 ms/500 ms, drop-in (s, median)",
               "<= 0.7 x Heartbeat")  # fmt: skip
    slow = Row("hang -> first client answer, 1 s/5 s, drop-in (s, median)", "(reported)")
    verdict = Row("deadtime verdict -> address on the interface, ha_agents (ms)", "<= 5 ms")
    ms: list[float] = []
    medians: dict[tuple[str, int], float | None] = {}
    for ka, row in ((100, fast), (1000, slow)):
        for system in [s for s in systems if s not in ("keepalived", FLOOR)]:
            print(f"== drop-in failover {system} keepalive {ka} ms", flush=True)
            m = dropin(system, ka, trials, ms if ka == 100 else [])
            medians[(system, ka)] = m
            row.cells[system] = "-" if m is None else f"{m:.3f}"
    ours, hb = medians.get(("ha_agents", 100)), medians.get(("heartbeat", 100))
    if ours is not None and hb:
        fast.verdict = _ok(ours <= 0.7 * hb) + f" ({ours / hb:.2f} x)"
    if ms:
        verdict.cells["ha_agents"] = (
            f"median {statistics.median(ms):.2f}, max {max(ms):.2f} (n={len(ms)})"
        )
        verdict.verdict = _ok(statistics.median(ms) <= 5.0)
    return [fast, slow, verdict]


def flood_rows(systems: list[str], seconds: float) -> tuple[list[Row], list[str]]:
    row = Row("forged-packet flood, 100 ms/500 ms: breaking point (pps arrived at n2)",
              ">= 200,000 without, and >= 5 x Heartbeat")  # fmt: skip
    notes: list[str] = []
    points: dict[str, tuple[float | None, float]] = {}
    for system in [s for s in systems if s not in ("keepalived", FLOOR)]:
        print(f"== flood {system}", flush=True)
        broke, top, log = flood(system, seconds)
        notes += log
        points[system] = (broke, top)
        row.cells[system] = f"{broke:,.0f}" if broke else f"none up to {top:,.0f}"
    ours, hb = points.get("ha_agents"), points.get("heartbeat")
    if ours is not None:
        ours_ok = ours[0] is None and ours[1] >= 200_000
        ratio = None if hb is None or hb[0] is None else (ours[0] or ours[1]) / hb[0]
        row.verdict = _ok(ours_ok and (ratio is None or ratio >= 5)) + (
            f" (>= {ratio:.0f} x)" if ratio is not None else ""
        )
    return [row], notes


def load_rows(systems: list[str], seconds: float) -> list[Row]:
    row = Row(f"false failovers, 50 ms/250 ms, {seconds:.0f} s, both cores busy + 100 MB/s "
              "disk writer on n1", "0")  # fmt: skip
    for system in systems:
        print(f"== load {system} ({seconds:.0f} s)", flush=True)
        moves, how = load(system, seconds)
        row.cells[system] = str(moves) if moves >= 0 else how
    if "ha_agents" in row.cells:
        row.verdict = _ok(row.cells["ha_agents"] == "0")
    return [row]


def render(rows: list[Row]) -> str:
    head = (
        "| measure | ha_agents | Heartbeat 3.0.6 | keepalived | Python floor | goal (ha_agents) | |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [r.cells.get(s, "-") for s in SYSTEMS]
        lines.append(f"| {r.name} | {' | '.join(cells)} | {r.goal} | {r.verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rows", default="idle,dropin,flood,load")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--load-systems", default="ha_agents,heartbeat")
    p.add_argument("--seconds", type=float, default=30.0, help="idle measurement window")
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--flood-seconds", type=float, default=10.0)
    p.add_argument("--load-seconds", type=float, default=600.0)
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("bench/perf.py: needs root (network namespaces)", file=sys.stderr)
        return 1
    systems = [s for s in args.systems.split(",") if s in SYSTEMS]
    wanted = set(args.rows.split(","))
    started = time.monotonic()
    rows: list[Row] = []
    notes: list[str] = []
    if "idle" in wanted:
        rows += idle_rows(systems, args.seconds)
    if "dropin" in wanted:
        rows += dropin_rows(systems, args.trials)
    if "flood" in wanted:
        more, notes = flood_rows(systems, args.flood_seconds)
        rows += more
    if "load" in wanted:
        rows += load_rows([s for s in args.load_systems.split(",") if s], args.load_seconds)
    print()
    print(
        f"issue 18, measured {time.strftime('%Y-%m-%d %H:%M')}"
        f" in {time.monotonic() - started:.0f} s "
        f"(load average {os.getloadavg()[0]:.2f}; figures on a shared machine are indicative)"
    )
    print(render(rows))
    if notes:
        print("\nflood steps (rate asked of trafgen, rate that arrived at n2's eth0):")
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    raise SystemExit(main())
