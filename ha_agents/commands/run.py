"""``ha-agents run``: the cluster daemon in the foreground (systemd-style)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType

from ha_agents import __version__

DEFAULT_CONFIG_DIR = "/etc/ha.d"
DEFAULT_STATE_DIR = "/var/lib/heartbeat"
DEFAULT_RUN_DIR = "/run/heartbeat"
#: Optional upper-layer plug-in: a module with ``create(config, log)`` returning
#: ``(UpperLayer, Executor)`` or None.  See docs/daemon.md.
UPPER_PLUGIN = "ha_agents.failover.daemon_plugin"
#: Optional operations layer: ``add_arguments(parser)`` and ``options(args)``, with
#: ``ha_agents.ops.daemon.OpsDaemon`` (a Daemon subclass: systemd notify, hooks,
#: metrics, reload).  Without it ``run`` uses the plain Daemon.
OPS_PLUGIN = "ha_agents.ops.runargs"


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the cluster daemon in the foreground",
        description="Run this node: heartbeats on every medium of ha.cf, membership, "
        "control socket.  Stops cleanly on SIGTERM.",
    )
    p.add_argument("--config-dir", default=DEFAULT_CONFIG_DIR, metavar="DIR")
    p.add_argument("--node", default=None, help="this node's name (default: nodeinfo, uname -n)")
    p.add_argument("--state-dir", default=DEFAULT_STATE_DIR, metavar="DIR")
    p.add_argument("--run-dir", default=DEFAULT_RUN_DIR, metavar="DIR")
    ops = _optional(OPS_PLUGIN)
    if ops is not None:
        ops.add_arguments(p)
    p.set_defaults(func=handle)


def _load_upper(config: object, log: object) -> tuple[object, object] | None:
    module = _optional(UPPER_PLUGIN)
    if module is None:
        return None
    created = module.create(config, log)
    return None if created is None else (created[0], created[1])


def handle(args: argparse.Namespace) -> int:
    from ha_agents.config.diagnostics import has_errors, render_text
    from ha_agents.config.load import load_config
    from ha_agents.daemon.logsetup import HbLog
    from ha_agents.daemon.loop import Daemon, Paths

    config, diags = load_config(args.config_dir, args.node)
    if diags:
        sys.stderr.write(render_text(diags))
    if config is None or has_errors(diags):
        print(
            f"ha-agents run: configuration in {args.config_dir} has errors; not starting",
            file=sys.stderr,
        )
        return 1
    hacf = config.hacf
    log = HbLog(config.local_node, hacf.logfile, hacf.debugfile, hacf.logfacility)
    log.info("**************************")
    log.info(f"Configuration validated. Starting ha_agents {__version__}")
    upper = _load_upper(config, log)
    paths = Paths(Path(args.state_dir), Path(args.run_dir))
    plug = {"upper": upper[0] if upper else None, "executor": upper[1] if upper else None}
    ops = _optional(OPS_PLUGIN)
    if ops is not None:
        from ha_agents.ops.daemon import OpsDaemon

        daemon: Daemon = OpsDaemon(config, paths, log, ops=ops.options(args), **plug)  # type: ignore[arg-type]
    else:
        daemon = Daemon(config, paths, log, **plug)  # type: ignore[arg-type]
    try:
        return asyncio.run(daemon.run())
    finally:
        log.close()
