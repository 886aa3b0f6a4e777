"""``ha-agents takeover [all|foreign|local|failback]``: hb_takeover — take resources from
the peer (it goes standby with the complement: all->all, local<->foreign)."""

from __future__ import annotations

import argparse

from ha_agents.commands.standby import add_arguments, ask


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "takeover",
        help="take resources from the peer (hb_takeover)",
        description="all (default), local (this node's home groups), foreign (= failback: "
        "the peer's home groups).  Needs auto_failback on or off (refused with legacy).",
    )
    add_arguments(p)
    p.set_defaults(func=lambda args: ask("takeover", args))
