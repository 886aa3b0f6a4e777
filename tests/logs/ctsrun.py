"""Heartbeat's Cluster Test System's test kinds, driven against a two-node ha_agents cluster
in the lab, with CTS's log patterns read from the installed CTS (tests/logs/ctsfacts.py).

CTS watches one log that holds every node's lines (its ``LogFileName``, a central
syslog): here both nodes' ha.cf name the same ``logfile``.  The nodes run with the ident
the packaged unit gives them (ha_agents/data/ha-agents.service).  Each kind waits for its
patterns as CTS's ``LogWatcher.lookforall`` does (``re.search`` on each new line, a
pattern used up by the first line it matches, to a deadline) and records the lines of
its window, so the audits (bad news, logcheck) run on the same run afterwards.

Kinds, in CTS's words (CTStests.py): StartOnebyOne, standby (with the peer up:
``StandbyOK``; down: ``StandbyNONE``; retried while ``StandbyTRANSIENT``), Flip (StopTest /
StartTest), DetectionTime (Fastdetection: kill -9), Stonith (power loss: cable cut and
SIGKILL), Split_brain, and Hang (SIGSTOP past deadtime: no CTS kind; its audit uses
Split_brain's ignores, the peer's view being the same), then SimulStopLite.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tests.lab.cluster import ClusterSpec, LabNode, vip_holders
from tests.lab.netns import Host, Lab
from tests.logs import ctsfacts as cts

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "ha_agents" / "data" / "ha-agents.service"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
SPEC = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000, initdead_ms=3000, media="ucast")
DEADTIME_S = SPEC.deadtime_ms / 1000


def unit_ident() -> str:
    """The ``--log-ident`` of the packaged unit's ExecStart (``ha_agents`` if none)."""
    for line in UNIT.read_text().splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart="))
            if "--log-ident" in argv:
                return argv[argv.index("--log-ident") + 1]
    return "ha_agents"


class CtsNode(LabNode):
    """An ha_agents lab node logging to the cluster's one log, with the unit's ident."""

    def __init__(self, lab: Lab, host: Host, node: str, logfile: Path, ident: str) -> None:
        super().__init__(lab, host, node, SPEC)
        self.logfile, self.ident = logfile, ident
        (self.config_dir / "ha.cf").write_text(SPEC.ha_cf(f"logfile {logfile}"))

    def argv(self, *args: str) -> list[str]:
        base = super().argv(*args)
        return [*base, "--log-ident", self.ident] if args[:1] == ("run",) else base

    def ready(self) -> bool:
        """Answers commands (``hb_standby``) yet."""
        return (self.run_dir / "ha-agents.sock").exists()


class Watch:
    """CTS's LogWatcher on one file: lines after a mark, patterns looked for in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()

    def mark(self) -> int:
        return self.path.stat().st_size

    def lines(self, since: int, until: int | None = None) -> list[str]:
        with open(self.path, "rb") as f:
            f.seek(since)
            data = f.read() if until is None else f.read(until - since)
        text = data.decode("utf-8", "replace")
        return text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]

    def look(self, patterns: list[str], timeout: float, since: int) -> str | None:
        """The pattern of the first line after ``since`` that matches one (``look``)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines(since):
                hit = next((p for p in patterns if re.search(p, line)), None)
                if hit is not None:
                    return hit
            if time.monotonic() > deadline:
                return None
            time.sleep(0.025)

    def look_for_all(self, patterns: list[str], timeout: float, since: int) -> list[str]:
        """The patterns not found before the deadline (``lookforall``'s ``unmatched``)."""
        left, seen = list(patterns), 0
        deadline = time.monotonic() + timeout
        while left:
            lines = self.lines(since)
            for line in lines[seen:]:
                hit = next((p for p in left if re.search(p, line)), None)
                if hit is not None:
                    left.remove(hit)
            seen = len(lines)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.025)
        return left


@dataclass
class Step:
    kind: str  # CTS's name for the test kind
    node: str
    audit: str  # the CTStests class whose errorstoignore the bad-news audit uses
    unmatched: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def bad_news(self) -> list[str]:
        """CTS's audit: lines matching BadRegexes that none of the ignores explain."""
        ignore = cts.ignores(self.audit)
        return [
            line
            for line in self.lines
            if any(re.search(b, line) for b in cts.bad_regexes())
            and not any(re.search(i, line) for i in ignore)
        ]


class Member(Protocol):
    """What the kinds do with a node: an ha_agents CtsNode here; tools/cts_heartbeat.py
    puts real Heartbeat nodes behind the same methods."""

    def start(self) -> None: ...
    def stop(self, timeout: float = 20.0) -> bool: ...
    def kill(self, sig: int = ...) -> list[int]: ...
    def running(self) -> bool: ...
    def ready(self) -> bool: ...
    def ctl(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]: ...


MakeNode = Callable[[Lab, Host, str, Path], Member]


def ha_agents_node(lab: Lab, host: Host, name: str, logfile: Path) -> Member:
    return CtsNode(lab, host, name, logfile, unit_ident())


class CtsRun:
    def __init__(self, lab: Lab, make_node: MakeNode = ha_agents_node) -> None:
        self.lab = lab
        self.watch = Watch(lab.tmpdir / "cts-log")
        self.hosts = {n: lab.add_host(f"n{n[-1]}", f"{a}/24") for n, a in NODES.items()}
        self.nodes = {n: make_node(lab, self.hosts[n], n, self.watch.path) for n in NODES}
        self.steps: list[Step] = []
        self.settle_s = 30.0  # CTS's StableTime, as a deadline

    # -- helpers --------------------------------------------------------------------------
    def up(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.running()]

    def other(self, name: str) -> str:
        return next(n for n in NODES if n != name)

    def settle(self, timeout: float | None = None) -> None:
        """CTS's StableTime, as a wait: one VIP holder among the running nodes, each of
        which sees the other as it is (active or dead); then unchanged for deadtime."""

        def view() -> tuple[object, ...]:
            up = self.up()
            holders = vip_holders([self.hosts[n] for n in up], SPEC.vip)
            seen = tuple(
                self.nodes[n].ctl("status", "nodestatus", self.other(n)).stdout.strip() for n in up
            )
            want = tuple("active" if self.other(n) in up else "dead" for n in up)
            return (len(holders) == (1 if up else 0) and seen == want, tuple(holders))

        deadline = time.monotonic() + (timeout or self.settle_s)
        while time.monotonic() < deadline:
            first = view()
            if first[0]:
                time.sleep(DEADTIME_S)
                if view() == first:
                    return
            time.sleep(0.2)
        raise AssertionError(f"cluster did not settle: {view()}\n" + self.watch.path.read_text())

    def step(self, kind: str, node: str, audit: str) -> Step:
        s = Step(kind, node, audit)
        s.facts["mark"] = self.watch.mark()
        self.steps.append(s)
        return s

    def close(self, s: Step) -> Step:
        mark = s.facts["mark"]
        assert isinstance(mark, int)
        s.lines = self.watch.lines(mark)
        return s

    # -- CTS's building blocks --------------------------------------------------------------
    def start(self, s: Step, name: str) -> None:
        """StartaCM: wait for ``Pat:We_started`` (no node up) or ``Pat:They_started``."""
        pat = cts.pattern("We_started" if not self.up() else "They_started") % name
        mark = self.watch.mark()
        self.nodes[name].start()
        s.unmatched += self.watch.look_for_all([pat], 30, mark)

    def stop(self, s: Step, name: str) -> None:
        """StopTest: ``Pat:We_stopped`` for the node, ``Pat:They_stopped`` for each peer up."""
        pats = [cts.pattern("We_stopped") % name]
        pats += [cts.pattern("They_stopped") % (o, name) for o in self.up() if o != name]
        mark = self.watch.mark()
        assert self.nodes[name].stop(), f"{name} did not stop in time"
        s.unmatched += self.watch.look_for_all(pats, DEADTIME_S + 10, mark)

    def standby(self, s: Step, name: str) -> None:
        """StandbyTest: hb_standby; StandbyOK with a peer up, StandbyNONE without; a
        StandbyTRANSIENT answer is retried after 2 s (at most 10 times), as CTS does."""
        pat = cts.pattern("StandbyOK" if len(self.up()) == 2 else "StandbyNONE")
        transient = cts.pattern("StandbyTRANSIENT")
        retries = 0
        while True:
            mark = self.watch.mark()
            self.nodes[name].ctl("standby")
            found = self.watch.look([pat, transient], DEADTIME_S + 10, mark)
            if found == transient and retries < 10:
                retries += 1
                time.sleep(2)
                continue
            if found != pat:
                s.unmatched.append(pat)
            break
        s.facts["retries"] = retries
