"""The `ha-agents` command line: argparse subcommands, one module each.

Every module in :mod:`ha_agents.commands` that defines ``register(subparsers)`` adds
its own subcommand; ``register`` sets ``func`` (``Callable[[argparse.Namespace], int]``)
as the parser default.  ``main`` returns the exit code: 0 ok, 1 error, 2 usage,
3 not running (LSB).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from ha_agents import __version__, commands


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (never a traceback)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ha-agents",
        description="Heartbeat-compatible high-availability cluster manager.",
    )
    parser.add_argument("--version", action="version", version=f"ha-agents {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        rc = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    return int(rc)
