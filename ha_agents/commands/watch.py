"""``ha-agents watch``: a terminal view of the local daemon's status, refreshed."""

from __future__ import annotations

import argparse
import sys
import time

from ha_agents.commands import _rundir
from ha_agents.status.watchview import CLEAR, render


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"interval {text!r}: seconds, 0.1 to 3600")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "watch",
        help="show the cluster status, refreshed every few seconds",
        description="Nodes with their links and last-heard ages, resource groups with "
        "owner and last transition, packet counters; the screen is cleared and redrawn "
        "every --interval seconds until Ctrl-C.",
    )
    _rundir.add_argument(p)
    p.add_argument("--interval", type=_interval, default=2.0, metavar="S", help="default 2")
    p.add_argument("--once", action="store_true", help="print once, no screen clearing")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.once:
        doc = _rundir.fetch_status(args.run_dir)
        sys.stdout.write(render(doc, time.strftime("%Y-%m-%d %H:%M:%S")))
        return 0 if doc is not None else 3
    try:
        while True:
            doc = _rundir.fetch_status(args.run_dir)
            sys.stdout.write(CLEAR + render(doc, time.strftime("%Y-%m-%d %H:%M:%S")))
            sys.stdout.flush()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 0
