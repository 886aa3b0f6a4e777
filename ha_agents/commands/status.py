"""``ha-agents status``: cl_status's questions (same words, same exit codes) and --json."""

from __future__ import annotations

import argparse
import json
import sys

from ha_agents.daemon.control import request, socket_path
from ha_agents.status import monitors
from ha_agents.status.clstatus import answer

DEFAULT_RUN_DIR = "/run/heartbeat"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "status",
        help="ask the local daemon (cl_status sub-commands, or --json)",
        description="cl_status sub-commands: hbstatus, listnodes [-n|-p|-v], nodestatus "
        "NODE, nodetype NODE, numnodes, listhblinks [-v] NODE, hblinkstatus NODE LINK, "
        "rscstatus, hbparameter -p NAME, nodeweight NODE, nodesite NODE, clientstatus "
        "NODE CLIENT.  Without one: the whole status as text; --json: as JSON.",
    )
    p.add_argument("--run-dir", default=DEFAULT_RUN_DIR, metavar="DIR")
    p.add_argument("--json", action="store_true", help="everything as one JSON document")
    p.add_argument("question", nargs=argparse.REMAINDER, help="cl_status sub-command and args")
    p.set_defaults(func=handle)


def _fetch(run_dir: str) -> dict[str, object] | None:
    reply = request(socket_path(run_dir), {"cmd": "status"})
    status = reply.get("status") if reply else None
    return status if isinstance(status, dict) else None


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _summary(doc: dict[str, object]) -> str:
    """Plain ``ha-agents status``: this node, then every node with its links."""
    lines = [f"node {doc.get('node')}: {doc.get('status')} (generation {doc.get('generation')})"]
    for node in _dicts(doc.get("nodes")):
        age = node.get("last_heard_s")
        shown = isinstance(age, float | int) and not node.get("local")
        heard = f", heard {age:.1f}s ago" if shown else ""
        lines.append(f"  {node.get('name')}: {node.get('status')}{heard}")
        lines.extend(
            f"    {lk.get('name')}: {lk.get('status')}" for lk in _dicts(node.get("links"))
        )
    resources = doc.get("resources")
    lines += monitors.lines(resources if isinstance(resources, dict) else None)
    dropped = doc.get("dropped")
    if isinstance(dropped, dict) and dropped:
        lines.append("  dropped: " + ", ".join(f"{k}={v}" for k, v in dropped.items()))
    return "\n".join(lines) + "\n"


def handle(args: argparse.Namespace) -> int:
    doc = _fetch(args.run_dir)
    if args.json:
        if doc is None:
            print("ha-agents status: the daemon is not running", file=sys.stderr)
            return 3
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    if not args.question:
        if doc is None:
            print("Heartbeat is stopped on this machine.")
            return 3
        sys.stdout.write(_summary(doc))
        return 0
    reply = answer(args.question, doc)
    sys.stdout.write(reply.stdout)
    sys.stderr.write(reply.stderr)
    return reply.rc
