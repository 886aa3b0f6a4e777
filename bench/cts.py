#!/usr/bin/env python3
"""CTS-style randomized cluster test: ha_agents and real Heartbeat 3.0.6, same seeds (root).

    sudo .venv/bin/python bench/cts.py --seeds 1,2 --steps 150 --systems ha_agents,heartbeat
    sudo .venv/bin/python bench/cts.py --seeds 7 --steps 300 --systems heartbeat --json hb.json
    .venv/bin/python bench/cts.py --from-json ag.json hb.json     # the table of saved runs

For each seed and system: a two-node cluster (VIP 192.0.2.50 + a web server answering its
node name, one haresources group; keepalive 200 ms, deadtime 2 s, auto_failback on) in
network namespaces, then the seed's sequence of test kinds (tests/cts/kinds.py, after
Heartbeat's CTS), each followed by the audits of tests/cts/audits.py.  Prints one line per
step to stderr, then per test kind and system: passed/failed, the median client outage
(seconds unanswered during the step) and the median time to settle (last disturbance to
a stable cluster), and every failure with its seed and step.  The plan depends on the
seed only, so every system gets the same sequence.  Timings are indicative on a loaded
machine; compare systems of the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.cts import report  # noqa: E402
from tests.cts.cluster import Settings  # noqa: E402
from tests.cts.driver import run_plan  # noqa: E402
from tests.cts.kinds import KINDS  # noqa: E402
from tests.cts.nodes import SYSTEMS  # noqa: E402
from tests.cts.plan import StepRecord, plan  # noqa: E402


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seeds", default="1", help="comma list of integers (default 1)")
    p.add_argument("--steps", type=int, default=20, help="steps per seed (default 20)")
    p.add_argument(
        "--systems", default=",".join(SYSTEMS), help="comma list of: " + ", ".join(SYSTEMS)
    )
    p.add_argument("--kinds", default=",".join(KINDS), help="comma list (default: all)")
    p.add_argument("--deadtime-ms", type=int, default=2000)
    p.add_argument("--keepalive-ms", type=int, default=200)
    p.add_argument(
        "--web-stop-s",
        type=float,
        default=0.0,
        help="the web server takes this long to stop (a slow service)",
    )
    p.add_argument("--json", metavar="FILE", help="write every step record as JSON")
    p.add_argument("--logs", metavar="DIR", help="keep the nodes' logs of every run here")
    p.add_argument("--from-json", nargs="+", metavar="FILE", help="only print saved records")
    return p.parse_args(argv)


def _progress(r: StepRecord) -> None:
    outage = "-" if r.outage_s is None else f"{r.outage_s:.2f}"
    settle = "-" if r.settle_s is None else f"{r.settle_s:.2f}"
    print(f"# {r.began} {r.system:9} seed {r.seed} step {r.index:3} {r.kind:15} {r.node} "
          f"{r.status:7} outage {outage:>6} settle {settle:>6} {'; '.join(r.problems)[:300]}",
          file=sys.stderr, flush=True)  # fmt: skip


def _print(records: list[StepRecord], systems: list[str]) -> None:
    print(report.table(records, systems))
    print(report.detection(records, systems))
    print()
    print(report.not_run(records))
    print()
    print(report.failures(records))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.from_json:
        saved = [StepRecord(**d) for f in args.from_json for d in json.loads(Path(f).read_text())]
        _print(saved, list(dict.fromkeys(r.system for r in saved)))
        return 0
    systems, kinds = _words(args.systems), _words(args.kinds)
    seeds = [int(s) for s in _words(args.seeds)]
    bad = [s for s in systems if s not in SYSTEMS] + [k for k in kinds if k not in KINDS]
    if bad or not seeds or not 0 <= args.steps <= 10000:
        print(f"cts: unknown system/kind {bad}, or no seed, or bad --steps", file=sys.stderr)
        return 2
    settings = Settings(keepalive_ms=args.keepalive_ms, deadtime_ms=args.deadtime_ms,
                        warntime_ms=args.deadtime_ms // 2, initdead_ms=2 * args.deadtime_ms,
                        web_stop_s=args.web_stop_s)  # fmt: skip
    logs = Path(args.logs) if args.logs else None
    records: list[StepRecord] = []
    for seed in seeds:
        steps = plan(seed, args.steps, kinds)
        for system in systems:
            records += run_plan(system, seed, steps, settings, on_step=_progress, save_logs=logs)
            if args.json:
                Path(args.json).write_text(json.dumps([asdict(r) for r in records], indent=1))
    _print(records, systems)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
