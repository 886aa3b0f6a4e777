"""EDGE: what the ``resource`` and ``test-agent`` commands share: environment, config."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import cast

from ha_agents.config.model import ClusterConfig, Location, ResourceGroup, ResourceSpec
from ha_agents.resources import env as script_env
from ha_agents.resources.agents import ResolveError, spec_from_text

HEARTBEAT_CWD = "/var/lib/heartbeat/cores/root"


def script_cwd() -> str | None:
    return HEARTBEAT_CWD if os.path.isdir(HEARTBEAT_CWD) else None


def local_node(config_dir: str) -> str:
    try:
        load = importlib.import_module("ha_agents.config.load")
        fn = cast(Callable[[str], str], load.local_node_name)
        return fn(config_dir)
    except (ImportError, AttributeError, OSError):
        return os.uname().nodename.lower()


def load_cluster(config_dir: str) -> tuple[ClusterConfig | None, list[str]]:
    """The config via ``ha_agents.config.load`` (None + rendered diagnostics if refused)."""
    try:
        load = importlib.import_module("ha_agents.config.load")
    except ImportError:
        return None, []
    fn = cast(Callable[..., tuple[ClusterConfig | None, list[object]]], load.load_config)
    try:
        cfg, diags = fn(config_dir)
    except OSError as exc:
        return None, [str(exc)]
    return cfg, [str(d) for d in diags]


def read_groups(config_dir: str) -> tuple[list[ResourceGroup], list[str]]:
    """haresources groups: from the full config loader when it accepts the config, else a
    plain reading of ``haresources`` (comments, ``\\`` continuations, blanks)."""
    cfg, diags = load_cluster(config_dir)
    if cfg is not None:
        return list(cfg.groups), []
    path = os.path.join(config_dir, "haresources")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        return [], [*diags, f"{path}: {exc.strerror}"]
    groups: list[ResourceGroup] = []
    problems: list[str] = []
    joined = ""
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not joined:
            start = lineno
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        joined += line
        words = joined.split()
        joined = ""
        if not words:
            continue
        loc = Location(path, start)
        specs: list[ResourceSpec] = []
        for w in words[1:]:
            s = spec_from_text(w, loc)
            if isinstance(s, ResolveError):
                problems.append(f"{loc}: {s}")
            else:
                specs.append(s)
        groups.append(ResourceGroup(words[0].lower(), tuple(specs), loc))
    return groups, problems


def base_env(config_dir: str) -> dict[str, str]:
    cfg, _ = load_cluster(config_dir)
    if cfg is not None:
        settings = script_env.from_cluster(cfg, python=sys.executable)
    else:
        settings = script_env.ScriptEnvConfig(
            config_dir=config_dir, local_node=local_node(config_dir), python=sys.executable
        )
    return script_env.build(os.environ, settings)
