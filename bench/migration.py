#!/usr/bin/env python3
"""The rolling path of docs/migration.md, timed: Heartbeat pair -> one ha_agents node ->
two ha_agents nodes -> Pacemaker, with a client polling the VIP every 10 ms (needs root;
not a test: tests/export/test_migration_path.py runs it once with assertions).

    python bench/migration.py [--trials 3] [--format pcs|cib|crmsh]

For each step: the client's longest gap (failed requests in a row, last answer -> next
answer) and the number of failed requests, per trial, then the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab import Lab, LabError
from tests.lab.migration import RollingMigration, Step


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--format", choices=("pcs", "cib", "crmsh"), default="pcs")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("bench/migration.py: needs root (network namespaces)", file=sys.stderr)
        return 1
    runs: list[list[Step]] = []
    for i in range(args.trials):
        print(f"== trial {i + 1}", flush=True)
        try:
            with Lab("bm") as lab:
                runs.append(RollingMigration(lab, args.format, lambda s: print(f"  {s}")).run())
        except LabError as exc:
            print(f"  lab error: {exc}", flush=True)
    if not runs:
        return 1
    print()
    print("| step | client gap s, per trial | median | failed requests |")
    print("|---|---|---|---|")
    for n, step in enumerate(runs[0]):
        gaps = [r[n].gap_s for r in runs]
        done = [g for g in gaps if g is not None]
        med = _f(statistics.median(done)) if done else "-"
        failed = " ".join(str(r[n].failed) for r in runs)
        print(f"| {step.name} | {' '.join(_f(g) for g in gaps)} | {med} | {failed} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
