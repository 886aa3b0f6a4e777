"""Run a seeded plan against one system (root: it builds a lab) and record every step.

    records = run_plan("ha_agents", seed=1, steps=plan(1, 20, list(KINDS)))

The cluster is started and audited first (CTS audits before its first test too: step 0,
kind ``Setup``).  Each step then: a fresh client poller, the kind's actions, a wait for
the cluster to settle (deadline, never a fixed sleep), the audits, the record.  A step
whose kind cannot run against the system (ResourceRecover without monitoring) is
recorded as ``not run`` with the reason, never silently dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.cts import audits
from tests.cts.cluster import VIP, CtsCluster, Settings, StepFailed
from tests.cts.kinds import KINDS
from tests.cts.plan import NOT_RUN, Step, StepRecord, unserved
from tests.lab import Lab, LabError
from tests.lab.poller import HttpPoller

OnStep = Callable[[StepRecord], None]
Action = Callable[[CtsCluster, str], None]


def setup(c: CtsCluster, node: str) -> None:
    c.start_all()


def run_plan(
    system: str,
    seed: int,
    steps: Sequence[Step],
    settings: Settings | None = None,
    on_step: OnStep | None = None,
    prefix: str = "cts",
    save_logs: Path | None = None,
) -> list[StepRecord]:
    """Every step's record; ``save_logs``: copy the nodes' logs there at the end
    (``SYSTEM-sSEED-NODE.log``; each failed record notes where its step began in them)."""
    records: list[StepRecord] = []
    with Lab(prefix) as lab:
        c = CtsCluster.build(lab, system, settings or Settings())
        try:
            todo: list[tuple[Step, Action]] = [(Step(0, "Setup", "node1"), setup)]
            todo += [(s, KINDS[s.kind].run) for s in steps]
            for step, action in todo:
                rec = run_step(c, seed, step, action)
                records.append(rec)
                if on_step:
                    on_step(rec)
        finally:
            if save_logs is not None:
                _save(c, save_logs, f"{system}-s{seed}")
    return records


def _save(c: CtsCluster, where: Path, stem: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for name, node in c.nodes.items():
        (where / f"{stem}-{name}.log").write_text(node.log())


def run_step(
    c: CtsCluster, seed: int, step: Step, action: Action, check_applicable: bool = True
) -> StepRecord:
    """One step: act, settle, audit.  ``check_applicable=False`` runs a kind the system
    does not support yet (the ResourceRecover hook's own test)."""
    rec = StepRecord(c.system, seed, step.index, step.kind, step.node)
    kind = KINDS.get(step.kind)
    why_not = kind.not_applicable(c.system) if kind and check_applicable else None
    if why_not:
        rec.status = NOT_RUN
        rec.notes.append(why_not)
        return rec
    marks = c.log_marks()
    rec.began = time.strftime("%H:%M:%S")
    t0 = c.last_action = time.monotonic()
    c.notes = rec.notes
    assert c.client is not None
    poller = HttpPoller(c.client, f"http://{VIP}/", interval=0.02, duration=900, timeout=0.2)
    c.poller = poller.start()
    try:
        _act(c, step, action, rec)
        settled_at, why = c.wait_settled(c.settle_timeout)
        if settled_at is None:
            rec.fail(f"not settled within {c.settle_timeout:.0f} s: {why}")
        else:
            rec.settle_s = max(0.0, settled_at - c.last_action)
        for problem in _audit(c, step.kind, marks, settled_at or time.monotonic()):
            rec.fail(problem)
    finally:
        end = time.monotonic()
        samples = poller.stop()
        c.poller = None
        if rec.problems:
            c.repair()
    rec.duration_s = end - t0
    rec.outage_s = unserved(samples, t0, end, serving_at_end=bool(c.up_nodes()))
    return rec


def _act(c: CtsCluster, step: Step, action: Action, rec: StepRecord) -> None:
    try:
        action(c, step.node)
    except StepFailed as exc:
        rec.fail(f"step: {exc}")
    except LabError as exc:
        rec.fail(f"lab: {exc}")


def _audit(c: CtsCluster, kind: str, marks: dict[str, int], settled_at: float) -> list[str]:
    return [
        *audits.owners(c),
        *audits.client(c, settled_at),
        *audits.logs(c, kind, marks),
        *audits.daemons(c),
    ]
