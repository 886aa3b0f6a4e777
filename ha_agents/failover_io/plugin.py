"""EDGE: builds the failover upper layer and its executor for ``ha-agents run``.

Reads the ha_agents-only options file ``failover.cf`` from the config directory (see
ha_agents.failover.options); errors there are logged and the file is ignored (the
cluster still starts, without fencing).
"""

from __future__ import annotations

import os

from ha_agents.config.diagnostics import render_text
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon.logsetup import HbLog
from ha_agents.failover.options import FILENAME, FailoverOptions, parse_options
from ha_agents.failover.upper import FailoverUpper
from ha_agents.failover_io.executor import FailoverExecutor
from ha_agents.membership.actions import Level


def load_options(config_dir: str, log: HbLog) -> FailoverOptions:
    path = os.path.join(config_dir, FILENAME)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 20)
    except FileNotFoundError:
        return FailoverOptions()
    except OSError as exc:
        log.log(Level.ERROR, f"{path}: {exc.strerror}; failover options ignored")
        return FailoverOptions()
    options, diags = parse_options(text, path)
    if diags:
        for line in render_text(diags).splitlines():
            log.log(Level.ERROR, line)
        log.log(Level.ERROR, f"{path}: errors; failover options ignored")
        return FailoverOptions()
    if options.fence_command:
        log.info(f"Fencing before takeover: {' '.join(options.fence_command)} NODE")
    return options


def create(config: ClusterConfig, log: HbLog) -> tuple[FailoverUpper, FailoverExecutor]:
    options = load_options(config.config_dir, log)
    return FailoverUpper(config, options), FailoverExecutor(config, log, options)
