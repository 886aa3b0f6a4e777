"""``ha-agents reload``: ask the running daemon to re-read and apply its configuration.

Exit 0: applied (what changed is printed); 1: refused — the configuration has errors
(printed as file:line diagnostics) or cannot be applied live — and nothing changed;
3: no daemon is running.  Same as ``systemctl reload ha-agents`` (SIGHUP), but with
the answer.
"""

from __future__ import annotations

import argparse
import sys

from ha_agents.commands import _rundir
from ha_agents.daemon.control import request, socket_path

TIMEOUT_S = 30.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "reload",
        help="re-read and apply the configuration of the running daemon",
        description="Re-read ha.cf, authkeys and haresources and apply them without "
        "dropping the peers: timers, media and authkeys at once, resource changes "
        "at the next restart; running resources are never stopped.  An invalid "
        "configuration changes nothing (exit 1, diagnostics on stderr).",
    )
    _rundir.add_argument(p)
    p.set_defaults(func=handle)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def handle(args: argparse.Namespace) -> int:
    reply = request(socket_path(args.run_dir), {"cmd": "reload"}, timeout=TIMEOUT_S)
    if reply is None:
        print(_rundir.not_running("ha-agents reload", args.run_dir), file=sys.stderr)
        return 3
    diagnostics = reply.get("diagnostics")
    if isinstance(diagnostics, str) and diagnostics:
        sys.stderr.write(diagnostics if diagnostics.endswith("\n") else diagnostics + "\n")
    if reply.get("ok") is not True:
        print(f"ha-agents reload: {reply.get('error', 'refused')}", file=sys.stderr)
        return 1
    changes, deferred = _strings(reply.get("changes")), _strings(reply.get("deferred"))
    print("configuration reloaded" + ("" if changes or deferred else " (no change)"))
    for line in changes:
        print(f"  applied: {line}")
    for line in deferred:
        print(f"  at the next restart: {line}")
    return 0
