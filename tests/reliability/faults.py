"""The fault matrix: each fault on a fresh two-node ha_agents cluster (100ms/500ms,
auto_failback on, VIP 192.0.2.50 with a web server on each node and a client polling it
every 20 ms), measured the same way.  Used by tests/reliability/test_faults.py (a few)
and bench/faults.py (all of them, printed as a table).

For each fault: the service is restored (the client gets answers again), two owners of
the VIP never last more than 2 keepalives after the heal, and the state files are whole
(``hb_generation`` is Heartbeat's 16-byte format, ``hb_uuid`` 16 bytes, no temp files).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ha_agents.membership.generation import parse_generation
from tests.lab import Lab, wait_until
from tests.lab.cluster import ClusterSpec, LabNode
from tests.lab.httpserver import serve_name
from tests.lab.outage import failure_windows
from tests.lab.poller import HttpPoller

from .cluster import ATTACKER, AUTHKEYS, NODES, VIP, Cluster, OwnerWatch, make_node, start_cluster

KEEPALIVE_S = 0.1
NOT_DROPS = {"own_echo", "rexmit_answered"}  # engine counters that are not drops
OK_SCRIPT = """#!/bin/sh
# a resource that works: start/stop/status with a state file
f={state}
case "$1" in
  start) touch "$f" ;;
  stop) rm -f "$f" ;;
  status) if [ -e "$f" ]; then echo running; else echo stopped; exit 3; fi ;;
esac
exit 0
"""


def script(start: str = "", stop: str = "") -> str:
    """A heartbeat-class resource script; ``start``/``stop`` replace those actions.
    ``{state}`` is filled in per node when installed."""
    text = OK_SCRIPT
    if start:
        text = text.replace('start) touch "$f" ;;', f"start) {start} ;;")
    if stop:
        text = text.replace('stop) rm -f "$f" ;;', f"stop) {stop} ;;")
    return text


@dataclass
class Result:
    fault: str
    outcome: str = ""
    recovery_s: float | None = None  # fault -> service answering again (after any gap)
    gap_s: float = 0.0  # longest client outage after the fault
    max_owners: int = 0
    dual_after_heal_s: float = 0.0
    drops: dict[str, int] = field(default_factory=dict)
    restored: bool = False
    state_ok: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.restored
            and self.state_ok
            and self.dual_after_heal_s <= 2 * KEEPALIVE_S + 0.1  # + one sampling period
        )


@dataclass
class Run:
    """A fault in progress: the cluster, the client, the owner watch, the times."""

    c: Cluster
    poller: HttpPoller
    watch: OwnerWatch
    result: Result
    fault_at: float = 0.0
    heal_at: float | None = None

    def fault(self) -> None:
        self.fault_at = time.monotonic()

    def heal(self) -> None:
        self.heal_at = time.monotonic()

    def served_by(self, host: str, timeout: float) -> bool:
        return self.poller.wait_ok(timeout, after=time.monotonic(), backend=host)


def forget(node: LabNode) -> None:
    """Drop a stopped node's reaped Popen: LabNode's close hook would otherwise signal
    the process group of that PID, which may belong to someone else by then."""
    if node._proc is not None and node._proc.returncode is not None:
        node._proc = None


def restart(node: LabNode) -> None:
    """Start a node again and wait until its daemon answers (the heal time)."""
    (node.run_dir / "ha-agents.sock").unlink(missing_ok=True)  # left by SIGKILL
    node.start()
    wait_until(lambda: (node.run_dir / "ha-agents.sock").exists(), 10)


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _drops(c: Cluster) -> dict[str, int]:
    """Both nodes' drop counters by reason, plus their loss events (lost_packets...)."""
    out: dict[str, int] = {}
    for n in (c.n1, c.n2):
        doc = c.doc(n)
        counters = {**(doc.get("dropped") or {}), **(doc.get("events") or {})}
        for k, v in counters.items():
            if k not in NOT_DROPS:
                out[k] = out.get(k, 0) + v
    return out


def state_files_ok(node: LabNode) -> tuple[bool, str]:
    """hb_generation parses (16 bytes), hb_uuid is 16 bytes, no temp file left."""
    d = node.state_dir
    try:
        gen = (d / "hb_generation").read_bytes()
        uuid = (d / "hb_uuid").read_bytes()
        parse_generation(gen)
    except Exception as exc:
        return False, f"{node.node}: {exc}"
    if len(gen) != 16 or len(uuid) != 16:
        return False, f"{node.node}: sizes {len(gen)}/{len(uuid)}"
    leftovers = [p.name for p in d.iterdir() if ".tmp" in p.name]
    if leftovers:
        return False, f"{node.node}: temp files {leftovers}"
    return True, ""


@contextlib.contextmanager
def running(
    prefix: str,
    name: str,
    spec: ClusterSpec | None = None,
    scripts: dict[str, dict[str, str]] | None = None,
) -> Iterator[Run]:
    """A fresh cluster with a client; yields a Run; fills in the Result at the end."""
    result = Result(name)
    with Lab(prefix) as lab:

        def install(c: Cluster) -> None:
            for node, files in (scripts or {}).items():
                rd = c.nodes[node].config_dir / "resource.d"
                rd.mkdir(exist_ok=True)
                for fname, text in files.items():
                    state = c.nodes[node].root / f"{fname}.state"
                    (rd / fname).write_text(text.replace("{state}", str(state)))
                    (rd / fname).chmod(0o755)

        c = start_cluster(lab, spec, before=install)
        for h in (c.h1, c.h2):
            serve_name(h, h.name)
        poller = HttpPoller(c.x, f"http://{VIP}/", interval=0.02, duration=400, timeout=0.2).start()
        assert poller.wait_ok(10, backend="n1"), "client never reached the VIP on n1"
        assert c.n1.wait_steady() and c.n2.wait_steady(), "still in the start-up dt grace"
        drops0 = _drops(c)
        with OwnerWatch(c) as watch:
            run = Run(c, poller, watch, result)
            try:
                yield run
            finally:
                _finish(run, drops0)


def _finish(run: Run, drops0: dict[str, int]) -> None:
    c, r = run.c, run.result
    run.poller.wait_ok(5.0, after=run.heal_at or run.fault_at)  # give the client 5 s
    samples = run.poller.stop()
    after = [s for s in samples if s.start >= run.fault_at]
    wins = [w for w in failure_windows(after) if w.failed]
    if wins:
        longest = 0.0
        for w in wins:
            start = w.last_ok.end if w.last_ok else run.fault_at
            end = w.first_ok.end if w.first_ok else time.monotonic()
            longest = max(longest, end - start)
        r.gap_s = longest
        healed = [w for w in wins if w.first_ok is not None]
        r.recovery_s = (healed[-1].first_ok.end - run.fault_at) if healed else None  # type: ignore[union-attr]
    else:
        r.recovery_s = 0.0
    # restored: answered after the heal, and still answering at the end (a request cut
    # off by the poller's stop does not count against it)
    heal = run.heal_at or run.fault_at
    oks = [s.end for s in after if s.ok and s.start >= heal]
    end = max((s.end for s in after), default=0.0)
    r.restored = bool(oks) and end - max(oks) < 1.0
    r.max_owners = run.watch.max_owners(since=run.fault_at)
    r.dual_after_heal_s = run.watch.longest_dual(since=run.heal_at or run.fault_at)
    now = _drops(c)
    r.drops = {k: v - drops0.get(k, 0) for k, v in now.items() if v - drops0.get(k, 0) > 0}
    for n in (c.n1, c.n2):
        ok, why = state_files_ok(n)
        if not ok:
            r.state_ok = False
            r.notes.append(why)
    holders = c.holders()
    r.outcome = (r.outcome + f"; end owner {','.join(holders) or 'none'}").lstrip("; ")


# -- the faults ------------------------------------------------------------------------------


def sigkill(prefix: str = "fk") -> Result:
    with running(prefix, "SIGKILL owner") as run:
        c = run.c
        run.fault()
        c.n1.kill(signal.SIGKILL)
        moved = run.served_by("n2", 10)
        restart(c.n1)
        run.heal()
        back = wait_until(lambda: c.holders() == ["n1"], 15) and run.served_by("n1", 5)
        run.result.outcome = f"n2 took over: {moved}; client on n1 5 s after restart: {back}"
    return run.result


def sigstop(prefix: str = "fs", frozen_s: float = 2.0) -> Result:
    with running(prefix, "SIGSTOP, SIGCONT owner") as run:
        c = run.c
        run.fault()
        c.n1.kill(signal.SIGSTOP)
        moved = run.served_by("n2", 10)
        time.sleep(frozen_s)
        run.heal()
        c.n1.kill(signal.SIGCONT)
        settled = wait_until(lambda: len(c.holders()) == 1, 10)
        time.sleep(3.0)  # auto_failback on: back to n1
        run.result.outcome = f"n2 took over: {moved}; one owner after resume: {settled}"
    return run.result


def link_down(prefix: str = "fl", down_s: float = 2.0) -> Result:
    with running(prefix, "link down, up") as run:
        c = run.c
        run.fault()
        c.h1.link_down()
        moved = wait_until(lambda: "n2" in c.holders(), 10)
        time.sleep(down_s)
        run.heal()
        c.h1.link_up()
        settled = wait_until(lambda: len(c.holders()) == 1, 10)
        time.sleep(3.0)
        run.result.outcome = f"n2 took the VIP: {moved}; one owner after heal: {settled}"
    return run.result


def loss(prefix: str = "fp", pct: float = 30.0, seconds: float = 6.0) -> Result:
    with running(prefix, f"{pct:g}% packet loss (both ways)") as run:
        c = run.c
        run.fault()
        c.h1.netem(loss_pct=pct)
        time.sleep(seconds)
        run.heal()
        c.h1.clear_netem()
        settled = wait_until(lambda: c.holders() == ["n1"], 10)
        dead = "node1: is dead" in c.n2.log()
        run.result.outcome = f"false failovers: {'yes' if dead else 'none'}; VIP home: {settled}"
    return run.result


def one_way(prefix: str = "fo", seconds: float = 3.0) -> Result:
    with running(prefix, "one-way loss (owner deaf-mute out)") as run:
        c = run.c
        run.fault()
        c.h1.netem(loss_pct=100, one_way=True)  # n1 sends nothing, still receives
        time.sleep(seconds)
        run.heal()
        c.h1.clear_netem()
        settled = wait_until(lambda: len(c.holders()) == 1, 10)
        time.sleep(3.0)
        run.result.outcome = f"one owner after heal: {settled}"
    return run.result


def partition(prefix: str = "fx", seconds: float = 2.0) -> Result:
    with running(prefix, "partition, heal") as run:
        c = run.c
        run.fault()
        c.lab.partition([c.h1], [c.h2])
        split = wait_until(lambda: c.holders() == ["n1", "n2"], 10)
        time.sleep(seconds)
        run.heal()
        c.lab.heal()
        settled = wait_until(lambda: len(c.holders()) == 1, 10)
        time.sleep(3.0)
        run.result.outcome = f"split brain during cut: {split}; one owner after heal: {settled}"
    return run.result


def _group_spec() -> ClusterSpec:
    return ClusterSpec(NODES, extra_resources=("appsvc",))


def start_failure(prefix: str = "ft") -> Result:
    """The takeover node cannot start the group: it must clean up (no VIP left half
    configured), and the service comes back when the home node returns."""
    scripts = {
        "node1": {"appsvc": script()},
        "node2": {"appsvc": script(start="exit 1")},
    }
    with running(prefix, "start failure on takeover node", _group_spec(), scripts) as run:
        c = run.c
        run.fault()
        c.n1.kill(signal.SIGKILL)
        failed = wait_until(lambda: "failed to start" in c.n2.log(), 10)
        time.sleep(1.0)
        clean = "n2" not in c.holders()
        restart(c.n1)
        run.heal()
        back = wait_until(lambda: c.holders() == ["n1"], 15) and run.served_by("n1", 5)
        run.result.outcome = (
            f"n2 start failed: {failed}; VIP cleaned up on n2: {clean}; home node restores: {back}"
        )
    return run.result


def stop_failure(prefix: str = "fu") -> Result:
    """The releasing node cannot stop a resource (standby on node1)."""
    scripts = {
        "node1": {"appsvc": script(stop="exit 1")},
        "node2": {"appsvc": script()},
    }
    old = os.environ.get("HA_STOPRETRYMAX")
    os.environ["HA_STOPRETRYMAX"] = "2"  # the daemons inherit it: 3 stop attempts, not 11
    try:
        return _stop_failure(prefix, scripts)
    finally:
        if old is None:
            del os.environ["HA_STOPRETRYMAX"]
        else:
            os.environ["HA_STOPRETRYMAX"] = old


def _stop_failure(prefix: str, scripts: dict[str, dict[str, str]]) -> Result:
    with running(prefix, "stop failure on releasing node", _group_spec(), scripts) as run:
        c = run.c
        run.fault()
        r = c.n1.ctl("standby", "all")
        failed = wait_until(lambda: "Resource STOP failure" in c.n1.log(), 30)
        run.heal()
        settled = wait_until(lambda: len(c.holders()) <= 1, 10)
        time.sleep(2.0)
        served = run.served_by(c.holders()[0], 5) if c.holders() else False
        run.result.outcome = (
            f"standby rc {r.returncode}; stop failure seen: {failed}; "
            f"at most one owner: {settled}; served: {served}"
        )
    return run.result


def hang(prefix: str = "fh", budget_s: float = 150.0) -> Result:
    """A start script on the takeover node hangs: the runner's timeout (120 s) must end
    it, the group is cleaned up, and the home node restores the service."""
    scripts = {
        "node1": {"appsvc": script()},
        "node2": {"appsvc": script(start="exec sleep 3600")},
    }
    with running(prefix, "script hangs past its timeout", _group_spec(), scripts) as run:
        c = run.c
        run.fault()
        c.n1.kill(signal.SIGKILL)
        t0 = time.monotonic()
        ended = wait_until(lambda: "failed to start" in c.n2.log(), budget_s, interval=0.5)
        took = time.monotonic() - t0
        leftover = [p for p in c.n2.pids() if b"sleep\x003600" in _cmdline(p)]
        restart(c.n1)
        run.heal()
        back = wait_until(lambda: c.holders() == ["n1"], 15) and run.served_by("n1", 5)
        run.result.outcome = (
            f"timed out after {took:.0f} s: {ended}; hung script left: {bool(leftover)}; "
            f"home node restores: {back}"
        )
    return run.result


def flood(prefix: str = "ff", rate: float = 20000, seconds: float = 10.0) -> Result:
    """Forged packets broadcast from the client's namespace at ``rate``/s: no failover."""
    from .flood import cpu_seconds, flood_payloads
    from .inject import Injector

    with running(prefix, f"flood {rate / 1000:g}k forged pps {seconds:g} s") as run:
        c = run.c
        inj = Injector(c.x.netns)
        pids = c.n1.pids() + c.n2.pids()
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        run.fault()
        try:
            sent = inj.flood(ATTACKER, "192.0.2.255", flood_payloads(), rate, seconds)
        finally:
            inj.close()
        run.heal()
        time.sleep(1.0)
        cpu = cpu_seconds(pids) - cpu0
        dead = any("is dead" in n.log() for n in (c.n1, c.n2))
        run.result.outcome = (
            f"sent {sent}; false failover: {'YES' if dead else 'none'}; daemons "
            f"{100 * cpu / (time.monotonic() - t0):.0f}% CPU (of one core, both nodes)"
        )
        if dead:
            run.result.notes.append("a node was declared dead during the flood")
    if dead:
        run.result.restored = False
    return run.result


MATRIX: dict[str, Callable[[], Result]] = {
    "sigkill": sigkill,
    "sigstop": sigstop,
    "link": link_down,
    "loss30": loss,
    "oneway": one_way,
    "partition": partition,
    "startfail": start_failure,
    "stopfail": stop_failure,
    "hang": hang,
    "flood": flood,
}


# -- the state dir -----------------------------------------------------------------------------


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=10)


def _generation(node: LabNode) -> int | None:
    try:
        return parse_generation((node.state_dir / "hb_generation").read_bytes())
    except Exception:
        return None


def _exit_code(node: LabNode, timeout: float) -> int | None:
    proc = node._proc
    if proc is None or not wait_until(lambda: proc.poll() is not None, timeout):
        return None
    return proc.returncode


def _state_dir_fault(prefix: str, name: str, break_it: Callable[[Path], None],
                     fix_it: Callable[[Path], None]) -> Result:  # fmt: skip
    """node1 alone: start once (generation G), stop, break the state dir, start: it must
    refuse (exit 1, G kept whole); fix the dir, start: it runs with G + 1."""
    r = Result(name)
    with Lab(prefix) as lab:
        h1 = lab.add_host("n1", "192.0.2.11/24")
        node = make_node(lab, h1, "node1", ClusterSpec(NODES), AUTHKEYS)
        d = node.state_dir
        _mount("-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", str(d))
        try:
            node.start()
            ok = wait_until(lambda: node.run_dir.joinpath("ha-agents.sock").exists(), 30)
            first = _generation(node)
            node.stop(10)
            break_it(d)
            t0 = time.monotonic()
            node.start()
            rc = _exit_code(node, 30)
            r.recovery_s = None
            kept = _generation(node)
            refused = "refusing to start" in node.log()
            if rc != 1:
                r.notes.append(f"refused start: rc {rc}; log: {node.log()[-800:]}")
            fix_it(d)
            node.start()
            up = wait_until(lambda: node.run_dir.joinpath("ha-agents.sock").exists(), 30)
            second = _generation(node)
            node.stop(10)
            r.restored = bool(ok and up)
            r.state_ok, why = state_files_ok(node)
            if why:
                r.notes.append(why)
            fresh = first is not None and second == first + 1 and kept == first
            if not up:
                r.notes.append(f"the start after the fix did not come up: {node.log()[-600:]}")
            r.state_ok = r.state_ok and rc == 1 and refused and fresh
            r.outcome = (
                f"refused start: rc {rc}{' (logged)' if refused else ''} "
                f"in {time.monotonic() - t0:.1f} s; generation {first} kept: {kept == first}; "
                f"next start {second} (= +1: {fresh})"
            )
        finally:
            node.stop(5)
            forget(node)
            subprocess.run(["umount", "-l", str(d)], check=False, capture_output=True, timeout=10)
    return r


def _fill(d: Path) -> None:
    with open(d / "filler", "wb", buffering=0) as fh, contextlib.suppress(OSError):
        for _ in range(64):
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())


def state_dir_full(prefix: str = "fd") -> Result:
    return _state_dir_fault(
        prefix, "state dir full", _fill, lambda d: (d / "filler").unlink(missing_ok=True)
    )


def state_dir_readonly(prefix: str = "fr") -> Result:
    return _state_dir_fault(
        prefix,
        "state dir read-only",
        lambda d: _mount("-o", "remount,ro", str(d)),
        lambda d: _mount("-o", "remount,rw", str(d)),
    )


MATRIX["statefull"] = state_dir_full
MATRIX["stateronly"] = state_dir_readonly
