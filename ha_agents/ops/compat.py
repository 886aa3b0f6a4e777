"""Heartbeat's command names for scripts and muscle memory: cl_status, hb_standby, hb_takeover.

Each compat script installed by ``ha-agents install-compat`` runs
``python -m ha_agents.ops.compat NAME ARGS...``.  ``cl_status`` maps one to one onto
``ha-agents status``; ``hb_standby``/``hb_takeover`` check their argument exactly as
Heartbeat's shell scripts do (same texts, exit 1) and then ask the local daemon.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ha_agents import cli

RESOURCE_SETS = ("all", "foreign", "local", "failback")
COMMANDS = ("cl_status", "hb_standby", "hb_takeover")


def _standby_like(name: str, subcommand: str, args: Sequence[str]) -> int:
    prog = f"/usr/share/heartbeat/{name}"
    usage = f"{prog} [all|foreign|local|failback]"
    if len(args) > 1:
        print(f"{prog}: too many arguments")
        print("usage:")
        print(usage, file=sys.stderr)
        return 1
    which = args[0] if args else "all"
    if which not in RESOURCE_SETS:
        print(f"{prog}: wrong resources({which}).")
        print("usage:")
        print(usage, file=sys.stderr)
        return 1
    if name == "hb_standby":
        print(f"Going standby [{which}].", file=sys.stderr)
    return cli.main([subcommand, which])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        print(
            f"usage: python -m ha_agents.ops.compat {{{','.join(COMMANDS)}}} ARGS...",
            file=sys.stderr,
        )
        return 2
    name, rest = args[0], args[1:]
    if name == "cl_status":
        return cli.main(["status", *rest])
    if name == "hb_standby":
        return _standby_like(name, "standby", rest)
    return _standby_like(name, "takeover", rest)


if __name__ == "__main__":
    raise SystemExit(main())
