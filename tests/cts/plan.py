"""Seeded plans and per-step records (pure: no I/O, no clock).

A plan depends on the seed, the number of steps and the kinds only, never on the
system: the same seed gives ha_agents and Heartbeat the same sequence.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.lab.outage import Sample

NODES = ("node1", "node2")


@dataclass(frozen=True)
class Step:
    index: int  # 1-based
    kind: str
    node: str


def plan(seed: int, steps: int, kinds: Sequence[str]) -> list[Step]:
    """``steps`` steps chosen by ``random.Random(seed)``: a kind, then a node."""
    if steps < 0 or not kinds:
        raise ValueError("need steps >= 0 and at least one kind")
    rng = random.Random(seed)
    out = []
    for i in range(1, steps + 1):
        kind = rng.choice(list(kinds))
        out.append(Step(i, kind, rng.choice(NODES)))
    return out


PASS, FAIL, NOT_RUN = "pass", "fail", "not run"


@dataclass
class StepRecord:
    system: str
    seed: int
    index: int
    kind: str
    node: str
    status: str = PASS
    problems: list[str] = field(default_factory=list)
    outage_s: float | None = None  # unserved time during the step
    settle_s: float | None = None  # last disturbance -> settled
    duration_s: float = 0.0
    began: str = ""  # wall clock at the step's start (to find it in the logs)
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.status = FAIL
        self.problems.append(problem)


def unserved(samples: Sequence[Sample], begin: float, end: float, serving_at_end: bool) -> float:
    """Seconds the client went unanswered between ``begin`` and ``end``: each run of
    failed requests from the end of the last answer before it (or its first request)
    to the end of the first answer after it; a run still open at ``end`` counts up to
    ``end`` only when the cluster should be serving then (not after a stop of all)."""
    total = 0.0
    start: float | None = None
    last_ok_end: float | None = None
    for s in samples:
        if s.start < begin or s.start > end:
            continue
        if s.ok:
            if start is not None:
                total += s.end - start
                start = None
            last_ok_end = s.end
        elif start is None:
            start = last_ok_end if last_ok_end is not None else s.start
    if start is not None and serving_at_end:
        total += max(0.0, end - start)
    return total
