"""Totals of CTS runs per system and test kind, side by side (pure: records in, text out)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tests.cts.plan import FAIL, NOT_RUN, PASS, StepRecord


@dataclass(frozen=True)
class Tally:
    passed: int
    failed: int
    not_run: int
    outage_median: float | None  # seconds, over the steps that ran
    settle_median: float | None

    @property
    def cell(self) -> str:
        text = f"{self.passed}/{self.failed}"
        return text + (f" ({self.not_run} not run)" if self.not_run else "")


def _median(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def tally(records: Sequence[StepRecord]) -> Tally:
    ran = [r for r in records if r.status != NOT_RUN]
    return Tally(
        sum(r.status == PASS for r in records),
        sum(r.status == FAIL for r in records),
        sum(r.status == NOT_RUN for r in records),
        _median(r.outage_s for r in ran),
        _median(r.settle_s for r in ran),
    )


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def table(records: Sequence[StepRecord], systems: Sequence[str]) -> str:
    """One row per kind (and a total row), per system: passed/failed, median client
    outage and median time to settle, in seconds."""
    kinds = sorted({r.kind for r in records}, key=lambda k: (k == "Setup", k))
    head = ["kind"]
    for s in systems:
        head += [f"{s} pass/fail", "outage s", "settle s"]
    rows = []
    for kind in [*kinds, "total"]:
        row = [kind]
        for s in systems:
            mine = [r for r in records if r.system == s and kind in ("total", r.kind)]
            t = tally(mine)
            row += [t.cell, _fmt(t.outage_median), _fmt(t.settle_median)]
        rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def detection(records: Sequence[StepRecord], systems: Sequence[str]) -> str:
    """Fastdetection: the median time from the power loss to the peer's death verdict."""
    parts = []
    for s in systems:
        times = [
            float(n.split()[1])
            for r in records
            if r.system == s
            for n in r.notes
            if n.startswith("detection ")
        ]
        med = _median(times)
        unit = "" if med is None else " s"
        parts.append(f"{s} {_fmt(med)}{unit} (n={len(times)})")
    return "death verdict after a power loss, median: " + ", ".join(parts)


def failures(records: Sequence[StepRecord]) -> str:
    """Every failed step: system, seed, step, kind, node, and what was wrong."""
    lines = []
    for r in records:
        if r.status == FAIL:
            lines.append(f"{r.system} seed {r.seed} step {r.index} {r.kind}({r.node}):")
            lines += [f"    {p}" for p in r.problems]
    return "\n".join(lines) if lines else "no failures"


def not_run(records: Sequence[StepRecord]) -> str:
    reasons = sorted({f"{r.kind} on {r.system}: {'; '.join(r.notes)}" for r in records
                      if r.status == NOT_RUN})  # fmt: skip
    return "\n".join(f"not run: {x}" for x in reasons)
