"""``--run-dir``: where every command finds the local daemon (its control socket).

The default is ``/run/heartbeat``, or ``$HA_AGENTS_RUN_DIR`` when set: the same rule
for ``run``, ``status``, ``watch``, ``standby``, ``takeover``, ``reload`` and the
compat commands (cl_status, hb_standby, hb_takeover), so one variable moves them all.
"""

from __future__ import annotations

import argparse
import os

RUN_DIR = "/run/heartbeat"
RUN_DIR_ENV = "HA_AGENTS_RUN_DIR"


def default_run_dir() -> str:
    return os.environ.get(RUN_DIR_ENV, "").strip() or RUN_DIR


def add_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--run-dir",
        default=default_run_dir(),
        metavar="DIR",
        help=f"the daemon's run directory: ${RUN_DIR_ENV} if set, else {RUN_DIR}",
    )


def not_running(prog: str, run_dir: str) -> str:
    """The one text for "no daemon answers", naming the socket that was tried."""
    from ha_agents.daemon.control import socket_path  # asyncio: not while parsing `run`

    return f"{prog}: the daemon is not running (no answer on {socket_path(run_dir)})"


def fetch_status(run_dir: str) -> dict[str, object] | None:
    """The daemon's status document (``status --json``), or None if nobody answers."""
    from ha_agents.daemon.control import request, socket_path

    reply = request(socket_path(run_dir), {"cmd": "status"})
    status = reply.get("status") if reply else None
    return status if isinstance(status, dict) else None
