"""Heartbeat's command names for scripts and muscle memory: cl_status, hb_standby, hb_takeover.

Each compat script installed by ``ha-agents install-compat`` runs
``python -m ha_agents.compat NAME ARGS...``.  The daemon's run directory is the
default ``/run/heartbeat`` unless ``HA_AGENTS_RUN_DIR`` says otherwise.

* ``cl_status`` maps onto ``ha-agents status`` restricted to cl_status 3.0.6's usage
  text and sub-commands;
* ``hb_standby``/``hb_takeover`` check their argument exactly as Heartbeat's shell
  scripts do (same texts, exit 1) and then ask the local daemon.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ha_agents import cli
from ha_agents.commands._system import COMMANDS
from ha_agents.commands.standby import parse_which
from ha_agents.status.clstatus import USAGE

HA_AGENTS_ONLY = frozenset({"numnodes", "help", "--json"})


def _standby_like(name: str, subcommand: str, args: Sequence[str]) -> int:
    which = parse_which(f"/usr/share/heartbeat/{name}", args)
    if which is None:
        return 1
    if name == "hb_standby":
        print(f"Going standby [{which}].", file=sys.stderr)
    return cli.main([subcommand, *_run_dir(), which])


def _cl_status(args: list[str]) -> int:
    """``ha-agents status`` restricted to cl_status 3.0.6's sub-commands (``numnodes``,
    our addition, is refused as Heartbeat refuses it) and its exact usage text."""
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(
            "".join(line for line in USAGE.splitlines(keepends=True) if "numnodes" not in line
                    and "Print the number of normal nodes" not in line)
        )  # fmt: skip
        return 0
    if args[0] in HA_AGENTS_ONLY:
        print(f"ERROR: {args[0]}: invalid sub-command.", file=sys.stderr)
        return 11
    return cli.main(["status", *_run_dir(), *args])


def _run_dir() -> list[str]:
    run_dir = os.environ.get("HA_AGENTS_RUN_DIR", "")
    return ["--run-dir", run_dir] if run_dir else []


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        print(
            f"usage: python -m ha_agents.compat {{{','.join(COMMANDS)}}} ARGS...",
            file=sys.stderr,
        )
        return 2
    name, rest = args[0], args[1:]
    if name == "cl_status":
        return _cl_status(rest)
    if name == "hb_standby":
        return _standby_like(name, "standby", rest)
    return _standby_like(name, "takeover", rest)


if __name__ == "__main__":
    raise SystemExit(main())
