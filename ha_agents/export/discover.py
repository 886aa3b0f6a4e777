"""EDGE: what the export needs to know from this machine's disk and interfaces.

* where each non-wrapper script of haresources lives (the search of
  :mod:`ha_agents.config.search`: resource.d, /etc/init.d, ha_agents' own agents), which
  decides lsb / ocf:ha_agents / "manual step";
* the ``OCF_RESKEY_*`` values of ``OCF::AGENT::INSTANCE`` instance files;
* the PARAMS line of each ``stonith TYPE FILE`` file (its first line that is not a comment);
* this machine's IPv4/IPv6 addresses per interface (used only when the export runs on the
  cluster node it exports for).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
from pathlib import Path

import psutil

from ha_agents.config import search
from ha_agents.config.model import ClusterConfig
from ha_agents.export.primitives import WRAPPERS, Params, ScriptInfo, ScriptKind

SDK_MARKER = b"ha_agents."  # our agents and SDK agents import ha_agents.<something>


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _is_sdk_agent(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return SDK_MARKER in fh.read(65536)
    except OSError:
        return False


def script_kind(
    name: str, config_dir: Path, init_dir: Path, agents: tuple[str, ...] | None = None
) -> ScriptKind:
    """The first executable of the search that ``run`` does (:mod:`ha_agents.config.search`)."""
    dirs = search.agent_dirs() if agents is None else agents
    for c in search.candidates(name, str(config_dir), dirs, str(init_dir)):
        path = Path(c.path)
        if not _executable(path):
            continue
        if c.where is search.Where.INIT_D:
            return ScriptKind.LSB
        if c.where is search.Where.OURS or _is_sdk_agent(path):
            return ScriptKind.OURS
        return ScriptKind.HEARTBEAT
    return ScriptKind.MISSING


def parse_instance_file(text: str) -> Params:
    """``OCF_RESKEY_name=value`` lines (``export`` allowed, quotes removed, never evaluated)."""
    params: list[tuple[str, str]] = []
    for raw in text.splitlines():
        try:
            words = shlex.split(raw, comments=True)
        except ValueError:
            continue
        if words and words[0] == "export":
            words = words[1:]
        for word in words:
            name, sep, value = word.partition("=")
            if sep and name.startswith("OCF_RESKEY_") and len(name) > len("OCF_RESKEY_"):
                params.append((name[len("OCF_RESKEY_") :], value))
    return tuple(params)


def script_info(cfg: ClusterConfig, init_dir: str = "/etc/init.d") -> ScriptInfo:
    config_dir = Path(cfg.config_dir)
    kinds: dict[str, ScriptKind] = {}
    instances: dict[tuple[str, str], Params] = {}
    for group in cfg.groups:
        for spec in group.resources:
            if spec.name == "OCF" and len(spec.args) == 2:
                path = config_dir / "conf" / "OCF" / spec.args[0] / spec.args[1]
                with contextlib.suppress(OSError):
                    instances[(spec.args[0], spec.args[1])] = parse_instance_file(
                        path.read_text(errors="replace")
                    )
            elif spec.name not in WRAPPERS and not spec.name.startswith("ocf:"):
                kinds[spec.name] = script_kind(spec.name, config_dir, Path(init_dir))
    return ScriptInfo(kinds, instances, stonith_files(cfg))


def stonith_files(cfg: ClusterConfig) -> dict[str, str]:
    """``stonith TYPE FILE``: FILE -> its first line that is not empty or a comment."""
    found: dict[str, str] = {}
    for _, path in cfg.hacf.stonith:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text(errors="replace").splitlines():
                if line.strip() and not line.startswith("#"):
                    found[path] = line
                    break
    return found


def local_ifaddrs() -> dict[str, tuple[str, ...]]:
    """Interface name -> its IP addresses on this machine (link-local IPv6 left out)."""
    result: dict[str, tuple[str, ...]] = {}
    for ifname, addrs in psutil.net_if_addrs().items():
        ips = [
            a.address
            for a in addrs
            if a.family in (socket.AF_INET, socket.AF_INET6) and not a.address.startswith("fe80")
        ]
        if ips:
            result[ifname] = tuple(ips)
    return result
