#!/usr/bin/env python3
"""Record what two real Heartbeat 3.0.6 nodes log (ERROR/CRIT) in every v1 exchange.

Usage (as root, Debian 'heartbeat' installed, from the repository root)::

    .venv/bin/python tools/mixed_baseline.py [--runs 2] [--media ucast ...] \\
        [--mode on ...] [--output tests/data/mixed/heartbeat_baseline.json]

For each medium (bcast, ucast, mcast, serial) and auto_failback mode (on, off, legacy)
it builds the two-node cluster of tests/lab/mixed.py with Heartbeat on both nodes, walks
the exchanges of tests/lab/exchanges.py (start, join, standby ..., split brain) and keeps,
per exchange and node, the distinct normalised ERROR/CRIT lines of each node's log (the
union over ``--runs`` runs: some are timing-dependent).  The mixed-cluster tests and
bench/mixed_matrix.py allow a Heartbeat node exactly those lines in the same exchange.
Cases not run are kept from the existing file, so one medium or mode can be refreshed
alone.  A full refresh takes about 12 x runs x 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lab import Lab
from tests.lab.exchanges import run_sequence
from tests.lab.mixed import MEDIA, MODES, Case, MixedCluster

DEFAULT = Path(__file__).resolve().parents[1] / "tests/data/mixed/heartbeat_baseline.json"
ABOUT = (
    "ERROR/CRIT lines (normalised: digits as '#') that two real Heartbeat 3.0.6 nodes log in "
    "each exchange of tests/lab/exchanges.py, per medium-auto_failback and node. "
    "Recorded and refreshed with tools/mixed_baseline.py (see its docstring)."
)


def record(case: Case) -> tuple[dict[str, dict[str, list[str]]], dict[str, list[str]]]:
    with Lab("bl") as lab:
        cluster = MixedCluster(lab, case)
        results = run_sequence(cluster, stop_on_problem=False)
    errors = {r.step: {n: sorted(set(lines)) for n, lines in r.errors.items()} for r in results}
    problems = {r.step: r.problems for r in results if r.problems}
    return errors, problems


def merge(into: dict[str, dict[str, list[str]]], new: dict[str, dict[str, list[str]]]) -> None:
    for step, nodes in new.items():
        for node, lines in nodes.items():
            have = into.setdefault(step, {}).setdefault(node, [])
            have[:] = sorted(set(have) | set(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--media", nargs="+", choices=MEDIA, default=list(MEDIA))
    ap.add_argument("--mode", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--output", type=Path, default=DEFAULT)
    args = ap.parse_args()
    doc = json.loads(args.output.read_text()) if args.output.exists() else {}
    cases = doc.get("cases", {})
    unsettled = doc.get("unsettled", {})
    for media in args.media:
        for mode in args.mode:
            key = f"{media}-{mode}"
            errors: dict[str, dict[str, list[str]]] = {}
            unsettled.pop(key, None)
            for run in range(args.runs):
                t0 = time.monotonic()
                new, problems = record(Case(media, mode, ("hb", "hb")))
                merge(errors, new)
                if problems:
                    unsettled.setdefault(key, {}).update(problems)
                took = time.monotonic() - t0
                print(f"{key} run {run + 1}: {took:.0f} s, unsettled: {problems}", file=sys.stderr)
            cases[key] = errors
    out = {"about": ABOUT, "runs": args.runs, "cases": cases, "unsettled": unsettled}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
