"""EDGE: builds the failover upper layer and its executor for ``ha-agents run``.

Reads the ha_agents-only options file ``failover.cf`` from the config directory (see
ha_agents.failover.options).  An unreadable or invalid file is a configuration error:
``ha-agents run`` refuses to start rather than run without the fencing the admin asked
for.
"""

from __future__ import annotations

import os
from dataclasses import replace

from ha_agents.config.diagnostics import render_text
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon.logsetup import HbLog
from ha_agents.failover.options import FILENAME, FailoverOptions, parse_options
from ha_agents.failover.upper import FailoverUpper
from ha_agents.failover_io.executor import FailoverExecutor


class OptionsError(Exception):
    """failover.cf cannot be used; the message says where and why."""


def load_options(config_dir: str, log: HbLog) -> FailoverOptions:
    path = os.path.join(config_dir, FILENAME)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 20)
    except FileNotFoundError:
        return FailoverOptions()
    except OSError as exc:
        raise OptionsError(f"{path}:1: error: cannot read: {exc.strerror}") from None
    options, diags = parse_options(text, path)
    if diags:
        raise OptionsError(render_text(diags).rstrip("\n"))
    if options.fence_command:
        log.info(f"Fencing before takeover: {' '.join(options.fence_command)} NODE")
    return options


def create(config: ClusterConfig, log: HbLog) -> tuple[FailoverUpper, FailoverExecutor]:
    options = load_options(config.config_dir, log)
    # Ping nodes are cluster members (membership/pingnodes.py): the daemon feeds the
    # manager's PingStatus from them (daemon/apiedge.py), so the executor pings nothing.
    pingless = replace(config, hacf=replace(config.hacf, ping_nodes=()))
    return FailoverUpper(config, options), FailoverExecutor(pingless, log, options)
