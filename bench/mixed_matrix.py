#!/usr/bin/env python3
"""The whole mixed-cluster matrix: every v1 exchange, Heartbeat 3.0.6 + ha_agents.

    sudo .venv/bin/python bench/mixed_matrix.py [--media ucast serial] [--mode on off]
        [--kinds hb-ours ours-hb hb-hb] [--json results.json] [--logs DIR]

For each medium (bcast, ucast, mcast, serial), auto_failback mode (on, off, legacy) and
mix (``hb-ours``: Heartbeat is node1, ha_agents node2; ``ours-hb`` the other way round)
it builds the cluster of tests/lab/mixed.py and walks every exchange of
tests/lab/exchanges.py on it (start, join, standby all/failback/local/foreign, takeover
all/local, orderly stop and restart, power loss and return, split brain and heal).
After each exchange: the expected owner of each VIP, exactly one owner, both nodes
active with every link up, nothing in transition; and no ERROR/CRIT line on the
Heartbeat node that two Heartbeat nodes do not log in the same exchange
(tests/data/mixed/heartbeat_baseline.json, tools/mixed_baseline.py).  Prints one line
per exchange that failed, and per case its time and verdict; exit 1 if any failed.
The full matrix (24 cases) takes about 40 minutes.  tests/failover/test_netns_mixed.py
runs two of these cases in the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab import Lab
from tests.lab.exchanges import load_baseline, run_sequence, unexpected_errors
from tests.lab.mixed import MEDIA, MODES, Case, MixedCluster

KINDS = {"hb-ours": ("hb", "ours"), "ours-hb": ("ours", "hb"), "hb-hb": ("hb", "hb")}


def run_case(
    case: Case, baseline: dict[str, dict[str, dict[str, list[str]]]], logs: Path | None
) -> dict[str, object]:
    t0 = time.monotonic()
    with Lab("mm") as lab:
        cluster = MixedCluster(lab, case)
        results = run_sequence(cluster, stop_on_problem=False)
        extra = unexpected_errors(cluster, results, baseline)
        if logs is not None and (extra or any(r.problems for r in results)):
            logs.mkdir(parents=True, exist_ok=True)
            for name, member in cluster.members.items():
                (logs / f"{case.name}-{name}.log").write_text(member.log())
        ours = {
            f"{r.step}: {n}": lines
            for r in results
            for n, lines in r.errors.items()
            if lines and cluster.members[n].kind == "ours"
        }
    return {
        "case": case.name,
        "seconds": round(time.monotonic() - t0, 1),
        "steps": {r.step: round(r.seconds, 1) for r in results},
        "unsettled": {r.step: r.problems for r in results if r.problems},
        "unexpected_heartbeat_errors": extra,
        "ha_agents_errors": ours,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", nargs="+", choices=MEDIA, default=list(MEDIA))
    ap.add_argument("--mode", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--kinds", nargs="+", choices=list(KINDS), default=["hb-ours", "ours-hb"])
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--logs", type=Path, help="keep both nodes' logs of a failed case here")
    args = ap.parse_args()
    baseline = load_baseline()
    rows = []
    for media in args.media:
        for mode in args.mode:
            for kinds in args.kinds:
                row = run_case(Case(media, mode, KINDS[kinds]), baseline, args.logs)
                rows.append(row)
                ok = not row["unsettled"] and not row["unexpected_heartbeat_errors"]
                print(f"{row['case']:26s} {row['seconds']:6.1f} s  {'ok' if ok else 'FAILED'}")
                for step, problems in row["unsettled"].items():  # type: ignore[attr-defined]
                    print(f"    unsettled after {step}: {'; '.join(problems)}")
                for line in row["unexpected_heartbeat_errors"]:  # type: ignore[attr-defined]
                    print(f"    Heartbeat only in the mixed cluster: {line}")
                sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    failed = [r for r in rows if r["unsettled"] or r["unexpected_heartbeat_errors"]]
    print(f"{len(rows) - len(failed)} of {len(rows)} cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
