"""``ha-agents run``: the cluster daemon in the foreground (systemd-style)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ha_agents import __version__
from ha_agents.ops import runargs

DEFAULT_CONFIG_DIR = "/etc/ha.d"
DEFAULT_STATE_DIR = "/var/lib/heartbeat"
DEFAULT_RUN_DIR = "/run/heartbeat"


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
    runargs.add_arguments(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from ha_agents.config.diagnostics import has_errors, render_text
    from ha_agents.config.load import load_config
    from ha_agents.daemon.logsetup import HbLog
    from ha_agents.daemon.loop import Paths
    from ha_agents.failover_io.plugin import OptionsError, create
    from ha_agents.ops.daemon import OpsDaemon

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
    log = HbLog(
        config.local_node, hacf.logfile, hacf.debugfile, hacf.logfacility, ident=args.log_ident
    )
    log.info("**************************")
    log.info(f"Configuration validated. Starting ha_agents {__version__}")
    try:
        upper, executor = create(config, log)
    except OptionsError as exc:
        sys.stderr.write(f"{exc}\n")
        print(
            f"ha-agents run: {args.config_dir}: failover options have errors; not starting",
            file=sys.stderr,
        )
        log.close()
        return 1
    paths = Paths(Path(args.state_dir), Path(args.run_dir))
    daemon = OpsDaemon(
        config, paths, log, upper=upper, executor=executor, ops=runargs.options(args)
    )
    try:
        return asyncio.run(daemon.run())
    finally:
        log.close()
