"""`ha-agents install-compat` and `ha-agents install-system`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ha_agents.commands._system import examples_dir, install_compat, install_system
from ha_agents.config.search import package_agents_dir


def _compat(args: argparse.Namespace) -> int:
    try:
        steps = install_compat(Path(args.prefix), args.python, args.force)
    except OSError as exc:
        print(f"ha-agents install-compat: {exc}", file=sys.stderr)
        return 1
    for step in steps:
        print(step.render())
    return 0


def _system(args: argparse.Namespace) -> int:
    try:
        steps = install_system(Path(args.root), Path(args.examples), Path(args.agents), args.python)
    except OSError as exc:
        print(f"ha-agents install-system: {exc}", file=sys.stderr)
        return 1
    for step in steps:
        print(step.render())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "install-compat",
        help="install cl_status, hb_standby, hb_takeover under a prefix of our own",
        description="Install Heartbeat-named compatibility commands into PREFIX/bin. "
        "They never replace a real Heartbeat's commands unless --force is given.",
    )
    p.add_argument("--prefix", default="/opt/ha_agents", help="default: /opt/ha_agents")
    p.add_argument("--python", default=None, help="interpreter with ha_agents installed")
    p.add_argument("--force", action="store_true", help="replace files that are not ours")
    p.set_defaults(func=_compat)

    s = sub.add_parser(
        "install-system",
        help="lay out /etc/ha.d examples, agents, state dir and the systemd unit",
    )
    s.add_argument("--root", default="/", help="staging root (like DESTDIR); default /")
    s.add_argument(
        "--examples", default=str(examples_dir()), help="example config dir (default: shipped)"
    )
    s.add_argument(
        "--agents", default=package_agents_dir(), help="our agents dir (default: shipped)"
    )
    s.add_argument("--python", default=None, help="interpreter with ha_agents installed")
    s.set_defaults(func=_system)
