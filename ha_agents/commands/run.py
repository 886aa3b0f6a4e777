"""``ha-agents run``: the cluster daemon in the foreground (systemd-style)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ha_agents import __version__
from ha_agents.commands import _runargs, _rundir

DEFAULT_CONFIG_DIR = "/etc/ha.d"
DEFAULT_STATE_DIR = "/var/lib/heartbeat"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the cluster daemon in the foreground",
        description="Run this node: heartbeats on every medium of ha.cf, membership, "
        "failover, control socket.  Stops cleanly on SIGTERM; SIGHUP reloads.",
    )
    p.add_argument(
        "--config-dir",
        default=DEFAULT_CONFIG_DIR,
        metavar="DIR",
        help=f"ha.cf, haresources, authkeys (default {DEFAULT_CONFIG_DIR})",
    )
    p.add_argument(
        "--node",
        default=None,
        metavar="NAME",
        help="this node's name (default: the first word of DIR/nodeinfo, else uname -n)",
    )
    p.add_argument(
        "--state-dir",
        default=DEFAULT_STATE_DIR,
        metavar="DIR",
        help=f"hb_generation and hb_uuid, shared with Heartbeat (default {DEFAULT_STATE_DIR})",
    )
    _rundir.add_argument(p)
    _runargs.add_arguments(p)
    p.set_defaults(func=handle)


#: What the daemon never uses, kept out of its memory: TLS (asyncio imports it when it
#: can, ~5 MB) and OpenSSL's hashes (~3.5 MB; hashlib then uses Python's own md5/sha1/
#: sha256, the same digests).  Only set when nothing imported them yet, and not with
#: --metrics-address (prometheus-client imports ssl).
NOT_IMPORTED = ("ssl", "_ssl", "_hashlib")


def _keep_out() -> None:
    for name in NOT_IMPORTED:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError


def handle(args: argparse.Namespace) -> int:
    if args.metrics_address is None:
        _keep_out()
    import asyncio

    from ha_agents.config.diagnostics import has_errors, render_text
    from ha_agents.config.monitorcf import bind, monitor_line
    from ha_agents.daemon.configproc import load_with_options
    from ha_agents.daemon.control import ControlError, check_free, socket_path
    from ha_agents.daemon.logsetup import HbLog
    from ha_agents.daemon.loop import Daemon, Paths

    try:
        check_free(socket_path(args.run_dir))
    except ControlError as exc:
        print(f"ha-agents run: {exc}; not starting", file=sys.stderr)
        return 1
    config, diags, options, problems = load_with_options(args.config_dir, args.node)
    if diags:
        sys.stderr.write(render_text(diags))
    if config is None or has_errors(diags):
        print(
            f"ha-agents run: configuration in {args.config_dir} has errors; not starting",
            file=sys.stderr,
        )
        return 1
    monitored, bound = bind(options.monitors, config.groups)
    problems += bound
    if problems:
        sys.stderr.write(render_text(problems))
    if has_errors(problems):
        print(
            f"ha-agents run: {args.config_dir}: failover options have errors; not starting",
            file=sys.stderr,
        )
        return 1
    hacf = config.hacf
    log = HbLog(
        config.local_node, hacf.logfile, hacf.debugfile, hacf.logfacility, ident=args.log_ident
    )
    log.info("**************************")
    log.info(f"Configuration validated. Starting ha_agents {__version__}")
    if options.fence_command:
        log.info(f"Fencing before takeover: {' '.join(options.fence_command)} NODE")
    for m in monitored:
        log.info(monitor_line(m))
    paths = Paths(Path(args.state_dir), Path(args.run_dir))
    daemon = Daemon(config, paths, log, _runargs.options(args), options)
    try:
        return asyncio.run(daemon.run())
    finally:
        log.close()
