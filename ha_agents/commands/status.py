"""``ha-agents status``: cl_status's questions (same words, same exit codes) and --json."""

from __future__ import annotations

import argparse
import json
import sys

from ha_agents.commands import _rundir
from ha_agents.status.clstatus import answer
from ha_agents.status.summary import summary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "status",
        help="ask the local daemon (cl_status sub-commands, or --json)",
        description="cl_status sub-commands: hbstatus, listnodes [-n|-p|-v], nodestatus "
        "NODE, nodetype NODE, numnodes, listhblinks [-v] NODE, hblinkstatus NODE LINK, "
        "rscstatus, hbparameter -p NAME, nodeweight NODE, nodesite NODE, clientstatus "
        "NODE CLIENT.  Without one: the whole status as text; --json: as JSON.",
    )
    _rundir.add_argument(p)
    p.add_argument("--json", action="store_true", help="everything as one JSON document")
    p.add_argument("question", nargs=argparse.REMAINDER, help="cl_status sub-command and args")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    doc = _rundir.fetch_status(args.run_dir)
    if doc is None and (args.json or not args.question):
        print(_rundir.not_running("ha-agents status", args.run_dir), file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    if not args.question:
        assert doc is not None
        sys.stdout.write(summary(doc))
        return 0
    reply = answer(args.question, doc)
    sys.stdout.write(reply.stdout)
    sys.stderr.write(reply.stderr)
    return reply.rc
