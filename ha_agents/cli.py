"""The `ha-agents` command line: argparse subcommands, one module each.

Every module in :mod:`ha_agents.commands` that defines ``register(subparsers)`` adds
its own subcommand; ``register`` sets ``func`` (``Callable[[argparse.Namespace], int]``)
as the parser default.  ``main`` returns the exit code: 0 ok, 1 error, 2 usage,
3 not running (LSB).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from ha_agents import __version__, commands


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (never a traceback)."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse's formatter asks shutil for the terminal width, and shutil brings
        # zlib, bz2 and lzma along: ~0.6 MB that would stay resident in the daemon
        return self.formatter_class(prog=self.prog, width=help_width())  # type: ignore[call-arg]


def help_width() -> int:
    """What ``shutil.get_terminal_size().columns - 2`` gives argparse: $COLUMNS, else the
    terminal's width, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every subcommand; with ``only`` (a command name), just that one when its module
    has the same name: ``ha-agents run`` then imports nothing the daemon does not use."""
    parser = _Parser(
        prog="ha-agents",
        description="Heartbeat-compatible high-availability cluster manager.",
    )
    parser.add_argument("--version", action="version", version=f"ha-agents {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    module = None if only is None else only.replace("-", "_")
    if module in names and not module.startswith("_"):
        _register(sub, module)
        if only in sub.choices:
            return parser
        return build_parser()
    for name in names:
        if not name.startswith("_"):
            _register(sub, name)
    return parser


def _register(sub: argparse._SubParsersAction[_Parser], name: str) -> None:
    module = importlib.import_module(f"{commands.__name__}.{name}")
    register = getattr(module, "register", None)
    if register is not None:
        register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(first if first is not None and "-h" not in words[:1] else None)
    args = parser.parse_args(words)
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
