"""``python -m tests.lab cleanup [--prefix P] [--dry-run]``: remove stale labs."""

from __future__ import annotations

import argparse
import os
import re
import sys

from tests.lab import registry
from tests.lab.cleanup import cleanup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("cleanup", help="remove namespaces and processes of crashed labs")
    p.add_argument(
        "--prefix",
        default="",
        help="only labs created with Lab(prefix=P) (namespaces hal<P>...); default: all stale labs",
    )
    p.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("cleanup: needs root (network namespaces)", file=sys.stderr)
        return 1
    family = registry.FAMILY + (args.prefix or "")
    if not re.match(r"^[a-z0-9]{0,6}$", args.prefix):
        print(f"cleanup: bad prefix {args.prefix!r} (use [a-z0-9])", file=sys.stderr)
        return 2
    report = cleanup(family, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for ns in report.removed_namespaces:
        print(f"{verb} namespace {ns}")
    for pid in report.killed_pids:
        print(f"{'would kill' if args.dry_run else 'killed'} pid {pid}")
    for d in report.removed_tmpdirs:
        print(f"{verb} {d}")
    for tag in report.skipped_live_labs:
        print(f"kept {tag}: its owner process is still running")
    if not (report.removed_namespaces or report.skipped_live_labs):
        print(f"nothing to clean up for {family}*")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
