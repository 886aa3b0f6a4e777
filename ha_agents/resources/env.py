"""The environment Heartbeat 3.0.6 gives resource scripts (docs/heartbeat/resources.md §4).

Pure: the caller passes the base environment (the daemon's own) and the config values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ha_agents.config.model import AutoFailback, ClusterConfig

PATH_PREFIX = "/usr/libexec/heartbeat:/usr/sbin:/usr/share/heartbeat"


@dataclass(frozen=True, slots=True)
class ScriptEnvConfig:
    """What the environment is built from; every field has Heartbeat's default."""

    config_dir: str = "/etc/ha.d"
    local_node: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)
    logfile: str | None = None
    debugfile: str | None = None
    nice_failback: bool = False
    our_status: str | None = None
    ocf_root: str = "/usr/lib/ocf"
    python: str | None = None  # interpreter with ha_agents: our agents re-exec with it


def build(
    base: Mapping[str, str],
    cfg: ScriptEnvConfig,
    message: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``base`` + Heartbeat's HA_* variables + ``HA_<field>`` of the triggering message."""
    env = dict(base)
    d = cfg.config_dir.rstrip("/") or "/"
    for name, value in cfg.parameters.items():
        env[f"HA_{name}"] = value
    if message:
        for name, value in message.items():
            env[f"HA_{name}"] = value
    env.update(
        {
            "HA_BIN": "/usr/libexec/heartbeat",
            "HA_DIR": d,
            "HA_FUNCS": f"{d}/shellfuncs",
            "HA_RCDIR": f"{d}//rc.d",
            "HA_RESOURCEDIR": f"{d}//resource.d",
            "HA_DOCDIR": "/usr/share/doc/heartbeat",
            "HA_FIFO": "/var/lib/heartbeat/fifo",
            "HA_DATEFMT": "%Y/%m/%d_%T\t",
            "HA_LOGD": cfg.parameters.get("use_logd", "no"),
            "HA_COMPRESSION": cfg.parameters.get("compression", "zlib"),
            "OCF_ROOT": cfg.ocf_root,
            "OCF_AGENTS": f"{cfg.ocf_root}/resource.d/heartbeat/",
            "LC_ALL": "C",
        }
    )
    if cfg.local_node:
        env["HA_CURHOST"] = cfg.local_node
    if cfg.logfile:
        env["HA_LOGFILE"] = cfg.logfile
    if cfg.debugfile:
        env["HA_DEBUGLOG"] = cfg.debugfile
    if cfg.nice_failback:
        env["HA_NICEFAILBACK"] = "yes"
    if cfg.our_status:
        env["HA_OSTATUS"] = cfg.our_status
    if cfg.python:
        env["HA_AGENTS_PYTHON"] = cfg.python
    old_path = base.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["PATH"] = f"{PATH_PREFIX}:{old_path}" if old_path else PATH_PREFIX
    return env


def stop_retry_max(env: Mapping[str, str], default: int = 10) -> int:
    """``HA_STOPRETRYMAX`` (0 or negative: retry for ever, as Heartbeat)."""
    raw = env.get("HA_STOPRETRYMAX", "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def from_cluster(config: ClusterConfig, python: str | None = None) -> ScriptEnvConfig:
    """The script environment settings of a loaded cluster configuration."""
    hacf = config.hacf
    return ScriptEnvConfig(
        config_dir=config.config_dir,
        local_node=config.local_node,
        parameters=dict(hacf.parameters),
        logfile=hacf.logfile,
        debugfile=hacf.debugfile,
        nice_failback=hacf.auto_failback is AutoFailback.ON,
        python=python,
    )


HEARTBEAT_CWD = "/var/lib/heartbeat/cores/root"


def script_cwd() -> str | None:
    """Where Heartbeat runs resource scripts (its cores directory), when it exists."""
    return HEARTBEAT_CWD if os.path.isdir(HEARTBEAT_CWD) else None
