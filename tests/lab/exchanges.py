"""Every exchange of the v1 protocol, in order, on one shared two-node cluster (EDGE).

``run_sequence(cluster)`` walks :data:`STEPS`: start, join, standby all / failback /
local / foreign, takeover all / local, orderly stop and restart, power loss and return,
split brain and heal.  After each step it waits (bounded) until the cluster settles:
the expected owner of each VIP (per auto_failback mode; the split-brain heal only needs
exactly one owner), every VIP on exactly one host, both nodes active to each other with
every link up, no node in transition, and that state has held for the step's quiet
period (3 s; 8 s after the split-brain heal, through a Heartbeat node's self-restart).
It collects every node's ERROR/CRIT lines logged during the step (tests/lab/mixed.py
``error_lines``); in join/standby/takeover no link may go dead.

The result, one :class:`StepResult` per step, is what the tests and bench/mixed_matrix.py
assert on and what tools/mixed_baseline.py records for two Heartbeat nodes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab.mixed import PEER, MixedCluster, error_lines
from tests.lab.waiting import wait_until

_LINK_DEAD = re.compile(r"Link \S+ dead\.")


@dataclass(frozen=True)
class Step:
    name: str
    act: Callable[[MixedCluster], None]
    expect: dict[str, str]  # auto_failback mode -> owners of node1's, node2's VIP ("12")
    timeout: float = 45.0
    steady: bool = False  # no link may go dead during this step (no node stops)
    quiet: float = 3.0  # how long the settled state must hold


@dataclass
class StepResult:
    step: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # node -> ERROR/CRIT lines
    owners: dict[str, list[str]] = field(default_factory=dict)


def _same(value: str) -> dict[str, str]:
    return {"on": value, "off": value, "legacy": value}


def _moves(value: str) -> dict[str, str]:
    """A standby/takeover: it moves with auto_failback on/off; legacy refuses it."""
    return {"on": value, "off": value, "legacy": "12"}


def _admin(node: str, verb: str, which: str) -> Callable[[MixedCluster], None]:
    return lambda c: c.members[node].admin(verb, which)


def _start(node: str) -> Callable[[MixedCluster], None]:
    return lambda c: c.members[node].start()


def _stop(node: str) -> Callable[[MixedCluster], None]:
    return lambda c: c.members[node].stop()


def _power_loss(node: str) -> Callable[[MixedCluster], None]:
    def act(c: MixedCluster) -> None:
        c.members[node].kill()
        c.cut(node)
        c.forget_addresses(node)

    return act


def _power_back(node: str) -> Callable[[MixedCluster], None]:
    def act(c: MixedCluster) -> None:
        c.reconnect(node)
        c.members[node].start()

    return act


def _split_brain(c: MixedCluster) -> None:
    """Cut the heartbeat paths for longer than deadtime (each node takes everything),
    then heal."""
    c.partition()
    both = lambda: all(len(o) == 2 for o in c.owners().values())  # noqa: E731
    wait_until(both, 20.0, interval=0.2)
    c.heal()


STEPS: tuple[Step, ...] = (
    Step("start", _start("node1"), _same("11")),
    Step("join", _start("node2"), {"on": "12", "off": "11", "legacy": "12"}, steady=True),
    Step("standby-all", _admin("node1", "standby", "all"), _moves("22"), steady=True),
    Step("standby-failback", _admin("node2", "standby", "failback"), _moves("12"), steady=True),
    Step("standby-local", _admin("node2", "standby", "local"), _moves("11"), steady=True),
    Step("standby-foreign", _admin("node1", "standby", "foreign"), _moves("12"), steady=True),
    Step("takeover-all", _admin("node2", "takeover", "all"), _moves("22"), steady=True),
    Step("takeover-local", _admin("node1", "takeover", "local"), _moves("12"), steady=True),
    Step("stop", _stop("node1"), _same("22")),
    Step("restart", _start("node1"), {"on": "12", "off": "22", "legacy": "12"}),
    Step("power-loss", _power_loss("node2"), _same("11")),
    Step("power-back", _power_back("node2"), {"on": "12", "off": "11", "legacy": "12"}),
    # a Heartbeat node restarts itself 2 s after the heal: settled means through that
    Step("split-brain-heal", _split_brain, {}, timeout=90.0, quiet=8.0),
)  # fmt: skip


def settled_problems(c: MixedCluster, want: str | None) -> list[str]:
    """What keeps the cluster from the settled state ``want`` (owners, "" = any one)."""
    out = []
    owners = c.owners()
    for i, (home, held) in enumerate(owners.items()):
        if len(held) != 1:
            out.append(f"VIP of {home} held by {held or 'nobody'}")
        elif want and held != [f"node{want[i]}"]:
            out.append(f"VIP of {home} on {held[0]}, expected node{want[i]}")
    for name, m in c.members.items():
        if not m.running():
            continue
        if m.ask("rscstatus") in ("transition", ""):
            out.append(f"{name}: resources in transition")
        peer = PEER[name]
        if c.members[peer].running():
            if m.ask("nodestatus", peer) != "active":
                out.append(f"{name}: {peer} not active")
            elif not m.link_up():
                out.append(f"{name}: link {m.link} to {peer} not up")
    return out


def run_step(c: MixedCluster, step: Step) -> StepResult:
    marks = {n: len(m.log()) for n, m in c.members.items()}
    t0 = time.monotonic()
    step.act(c)
    want = step.expect.get(c.case.auto_failback, "")
    problems: list[str] = []

    since: list[float] = []  # when the current settled stretch began

    def settled_long_enough() -> bool:
        problems[:] = settled_problems(c, want)
        if problems:
            since.clear()
            return False
        since[:] = since or [time.monotonic()]
        return time.monotonic() - since[0] >= step.quiet

    wait_until(settled_long_enough, step.timeout + step.quiet, interval=0.2)
    result = StepResult(step.name, time.monotonic() - t0, list(problems), owners=c.owners())
    for name, m in c.members.items():
        text = m.log()[marks[name] :]
        result.errors[name] = error_lines(text)
        if step.steady:
            result.problems += [f"{name}: {ln.strip()}" for ln in _LINK_DEAD.findall(text)]
    return result


def run_sequence(
    c: MixedCluster, steps: tuple[Step, ...] = STEPS, stop_on_problem: bool = True
) -> list[StepResult]:
    results = []
    for step in steps:
        results.append(run_step(c, step))
        if results[-1].problems and stop_on_problem:
            break
    return results


BASELINE = Path(__file__).resolve().parents[1] / "data/mixed/heartbeat_baseline.json"

#: ERROR/CRIT lines a Heartbeat node logs with an ha_agents peer and not with a Heartbeat
#: peer, by exchange, each with the reason we accept it (docs/migration.md).
_SPLIT = (
    "ha_agents announces what it holds as soon as a partition heals, so that an ha_agents "
    "peer settles the split brain within a keepalive; a Heartbeat peer audits each "
    "announcement until it restarts itself 2 s later (as it does with a Heartbeat peer, "
    "which announces nothing). Two Heartbeat nodes log the same lines when the split "
    "brain comes from a frozen node (docs/migration.md)."
)
_LATE = (
    "a Heartbeat node that still counts the peer's start-up grace (deadtime + 2 s) hears "
    "our post-partition announcement before it declares the peer dead, starts its "
    "auto_failback standby, then cancels it at the late death and ignores the 'done' "
    "messages of that standby (docs/migration.md)."
)
ACCEPTED: dict[str, dict[str, str]] = {
    "split-brain-heal": {
        "ERROR: Both machines own our resources!": _SPLIT,
        "ERROR: Both machines own foreign resources!": _SPLIT,
        "ERROR: Ignored standby message 'done' from node# in state #": _LATE,
    }
}


def load_baseline(path: Path = BASELINE) -> dict[str, dict[str, dict[str, list[str]]]]:
    cases: dict[str, dict[str, dict[str, list[str]]]] = json.loads(path.read_text())["cases"]
    return cases


def unexpected_errors(
    c: MixedCluster,
    results: list[StepResult],
    baseline: dict[str, dict[str, dict[str, list[str]]]],
) -> list[str]:
    """Each ERROR/CRIT line a Heartbeat node of ``c`` logged in an exchange that neither
    Heartbeat node logged in the recorded Heartbeat<->Heartbeat runs of that exchange
    (same medium and auto_failback mode).  Either node's lines count: which of two
    Heartbeat nodes logs what after a partition is a race (one of them may see the
    other restart before it sees it return)."""
    key = f"{c.case.media}-{c.case.auto_failback}"
    if key not in baseline:
        return [f"no Heartbeat<->Heartbeat baseline recorded for {key}"]
    out = []
    for r in results:
        for name, lines in r.errors.items():
            if c.members[name].kind != "hb":
                continue
            allowed = {ln for lns in baseline[key].get(r.step, {}).values() for ln in lns}
            allowed |= set(ACCEPTED.get(r.step, {}))
            out += [
                f"{r.step}: {name}: {line}" for line in dict.fromkeys(lines) if line not in allowed
            ]
    return out
