"""The ``ha-agents run`` options of the operations features (hooks, metrics, log ident).

``add_arguments(parser)`` adds ``--metrics-address``, ``--hooks-dir``,
``--hook-timeout`` and ``--log-ident``; ``options(args)`` turns them into ``OpsOptions``
(``--log-ident`` is read by commands/run.py for the log).  None of this is read from
ha.cf (which must stay a valid Heartbeat file).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from ha_agents.daemon.opsoptions import DEFAULT_TIMEOUT_S, AddressError, OpsOptions, parse_address

HOOKS_SUBDIR = "ha_agents/hooks.d"
IDENT_RE = re.compile(
    r"^[A-Za-z0-9_.-]{1,32}$"
)  # under the config dir: /etc/ha.d/ha_agents/hooks.d


def _address(text: str) -> tuple[str, int]:
    try:
        return parse_address(text)
    except AddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"hook timeout {text!r}: seconds, 0 < T <= 3600")
    return value


def _ident(text: str) -> str:
    if not IDENT_RE.match(text):
        raise argparse.ArgumentTypeError(f"log ident {text!r}: 1-32 of A-Z a-z 0-9 _ . -")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-address",
        type=_address,
        default=None,
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9694); "
        "off by default",
    )
    parser.add_argument(
        "--hooks-dir",
        default=None,
        metavar="DIR",
        help=f"run the executables in DIR on cluster events (default: CONFIG_DIR/{HOOKS_SUBDIR})",
    )
    parser.add_argument(
        "--log-ident",
        type=_ident,
        default="ha_agents",
        metavar="NAME",
        help="program name in log lines (default ha_agents; 'heartbeat' keeps existing "
        "grep/logcheck rules for Heartbeat's lines working)",
    )
    parser.add_argument(
        "--hook-timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"kill a hook after S seconds (default {DEFAULT_TIMEOUT_S:g})",
    )


def options(args: argparse.Namespace) -> OpsOptions:
    hooks = Path(args.hooks_dir) if args.hooks_dir else Path(args.config_dir) / HOOKS_SUBDIR
    return OpsOptions(
        config_dir=args.config_dir,
        node=args.node,
        metrics_address=args.metrics_address,
        hooks_dir=hooks,
        hook_timeout_s=args.hook_timeout,
        env=dict(os.environ),
    )
