"""EDGE: what the ``resource`` and ``test-agent`` commands share: environment, config."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ha_agents.config import search
from ha_agents.config.haresources import parse_haresources
from ha_agents.config.load import load_config, local_node_name
from ha_agents.config.model import ClusterConfig, ResourceGroup
from ha_agents.resources import env as script_env
from ha_agents.resources.agents import Agent
from ha_agents.resources.env import HEARTBEAT_CWD, script_cwd

__all__ = ["HEARTBEAT_CWD", "run_cwd", "script_cwd"]


def run_cwd(agents: Sequence[Agent]) -> str | None:
    """Where a command line's scripts run: Heartbeat's directory, as the daemon runs
    them; but a script named by its path (``./myapp``) runs where the user is (None:
    this process's directory), so the path and the files it names mean what they said."""
    if any(a.where is search.Where.PATH for a in agents):
        return None
    return script_cwd()


def local_node(config_dir: str) -> str:
    return local_node_name(config_dir)


def load_cluster(config_dir: str) -> tuple[ClusterConfig | None, list[str]]:
    """The config via ``ha_agents.config.load`` (None + rendered diagnostics if refused)."""
    cfg, diags = load_config(config_dir)
    return cfg, [str(d) for d in diags]


def read_groups(config_dir: str) -> tuple[list[ResourceGroup], list[str]]:
    """haresources groups: from the full config when it loads, else from ``haresources``
    alone (``resource`` must work on a directory without ha.cf/authkeys too)."""
    cfg, diags = load_cluster(config_dir)
    if cfg is not None:
        return list(cfg.groups), []
    path = os.path.join(config_dir, "haresources")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 20)
    except OSError as exc:
        return [], [*diags, f"{path}: {exc.strerror}"]
    groups, problems = parse_haresources(text, path)
    return list(groups), [str(d) for d in problems]


def base_env(config_dir: str) -> dict[str, str]:
    cfg, _ = load_cluster(config_dir)
    if cfg is not None:
        settings = script_env.from_cluster(cfg, python=sys.executable)
    else:
        settings = script_env.ScriptEnvConfig(
            config_dir=config_dir, local_node=local_node(config_dir), python=sys.executable
        )
    return script_env.build(os.environ, settings)
