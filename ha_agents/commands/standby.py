"""``ha-agents standby [all|foreign|local|failback]``: hb_standby — give resources to the peer.

Asks the local daemon over its control socket; the move itself happens asynchronously
(the ask_resources exchange of docs/heartbeat/protocol.md §4), as with Heartbeat's hb_standby.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ha_agents.commands import _rundir
from ha_agents.daemon.control import request, socket_path

WHICH = ("all", "foreign", "local", "failback")


def add_arguments(p: argparse.ArgumentParser) -> None:
    _rundir.add_argument(p)
    p.add_argument("which", nargs="*", metavar="all|foreign|local|failback", help="default all")


def parse_which(prog: str, words: Sequence[str]) -> str | None:
    """Heartbeat's hb_standby/hb_takeover argument check: the set, or None after printing
    its error texts (stdout: the complaint and ``usage:``; stderr: the usage line)."""
    usage = f"{prog} [all|foreign|local|failback]"
    which = words[0] if words else "all"
    if len(words) > 1:
        print(f"{prog}: too many arguments")
    elif which not in WHICH:
        print(f"{prog}: wrong resources({which}).")
    else:
        return which
    print("usage:")
    print(usage, file=sys.stderr)
    return None


def ask(cmd: str, args: argparse.Namespace) -> int:
    """Shared by standby and takeover: Heartbeat's argument checks, then the request."""
    prog = f"ha-agents {cmd}"
    which = parse_which(prog, list(args.which))
    if which is None:
        return 1
    reply = request(socket_path(args.run_dir), {"cmd": cmd, "which": which})
    if reply is None:
        print(_rundir.not_running(prog, args.run_dir), file=sys.stderr)
        return 3
    if not reply.get("ok"):
        print(f"{prog}: {reply.get('error', 'refused')}", file=sys.stderr)
        return 1
    message = reply.get("message")
    if isinstance(message, str):
        print(message, file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "standby",
        help="give this node's resources to the peer (hb_standby)",
        description="all (default): every group this node holds; local: the groups whose "
        "home is this node; foreign (= failback): the others.  Needs auto_failback on or "
        "off (refused with legacy, as Heartbeat).",
    )
    add_arguments(p)
    p.set_defaults(func=lambda args: ask("standby", args))
