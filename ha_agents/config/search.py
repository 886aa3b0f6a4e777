"""Where the script of a haresources resource is looked for, in order: one list for all.

``check`` (HR203 and the HR290 notes saying which file each resource resolves to),
``run``, ``resource`` and ``test-agent`` (:mod:`ha_agents.resources.agents`) and the
export all take their candidates from :func:`candidates`, so they cannot disagree.

Heartbeat 3.0.6 (its ResourceManager script, function ``scriptpath``) looks in
``$HA_RESOURCEDIR``, which is ``HA_DIR/resource.d`` with HA_DIR its configuration
directory, then in ``INITDIR``, the fixed ``/etc/init.d``; the first regular,
executable file wins (resource.d: heartbeat class, init.d: LSB).  Our configuration
directory is ``--config-dir``, so its ``resource.d`` is searched, never
``/etc/ha.d/resource.d`` when another directory was given.  After Heartbeat's places come
ha_agents' own agents (heartbeat class): the ``resource.d`` shipped in the ha_agents
package wherever it is installed (a venv, site-packages, the .deb's dist-packages), then
:data:`SYSTEM_AGENTS_DIR`, where ``ha-agents install-system`` copies them.

A name holding ``/`` is not looked up (Heartbeat would look for ``resource.d//x/y``);
the command line's ``test-agent ./script`` asks for a path explicitly (``allow_path``).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass

INIT_DIR = "/etc/init.d"
SYSTEM_AGENTS_DIR = "/usr/lib/ha_agents/resource.d"
OCF_ROOT = "/usr/lib/ocf"


class Where(enum.Enum):
    RESOURCE_D = "resource.d"  # heartbeat class, the config dir's resource.d
    INIT_D = "init.d"  # LSB init script
    OURS = "ha_agents"  # heartbeat class, an agent shipped with ha_agents
    PATH = "path"  # a path given on the command line


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str
    where: Where

    def describe(self) -> str:
        return {
            Where.RESOURCE_D: "heartbeat class",
            Where.INIT_D: "LSB init script",
            Where.OURS: "heartbeat class, an agent of ha_agents",
            Where.PATH: "heartbeat class, path given",
        }[self.where]


def package_agents_dir() -> str:
    """``resource.d`` of the installed ha_agents package (package data)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.isdir(package):  # on the file system (venv, site- or dist-packages, checkout)
        return os.path.join(package, "agents", "resource.d")
    from importlib import resources  # elsewhere (a zip): ~1 MB of imports, only then

    return str(resources.files("ha_agents").joinpath("agents", "resource.d"))


def agent_dirs() -> tuple[str, ...]:
    """ha_agents' agent directories, in search order."""
    first = package_agents_dir()
    return (first,) if first == SYSTEM_AGENTS_DIR else (first, SYSTEM_AGENTS_DIR)


def valid_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name


def candidates(
    name: str,
    config_dir: str,
    agents: tuple[str, ...],
    init_dir: str = INIT_DIR,
    allow_path: bool = False,
) -> tuple[Candidate, ...]:
    """Where the script ``name`` may be, in search order (empty: not a valid name)."""
    if "/" in name and allow_path:
        return (Candidate(name, Where.PATH),)
    if not valid_name(name):
        return ()
    found = [
        Candidate(f"{config_dir.rstrip('/')}/resource.d/{name}", Where.RESOURCE_D),
        Candidate(f"{init_dir.rstrip('/')}/{name}", Where.INIT_D),
    ]
    found += [Candidate(f"{d.rstrip('/')}/{name}", Where.OURS) for d in agents]
    return tuple(found)
