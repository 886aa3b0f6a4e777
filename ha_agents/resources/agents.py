"""Resolve a haresources resource to a calling convention and a script.

Pure apart from the :class:`Finder` port (file checks), so resolution is testable with a
fake file system.  Rules (docs/heartbeat/resources.md §2, §6):

* ``ocf:PROVIDER:AGENT::NAME=VALUE...`` → OCF agent ``OCF_ROOT/resource.d/PROVIDER/AGENT``
  with ``OCF_RESKEY_NAME=VALUE`` (syntax: :mod:`ha_agents.resources.ocf`).
* ``OCF::AGENT::INSTANCE`` (Heartbeat's form) → the first ``OCF_ROOT/resource.d/*/AGENT``
  (provider ``heartbeat`` first), environment from ``<config_dir>/conf/OCF/AGENT/INSTANCE``;
  unlike Heartbeat's broken wrapper, status is asked as ``monitor`` and 0/7 are read right.
* anything else ``NAME::a::b`` → the first regular, executable file of
  :func:`ha_agents.config.search.candidates`: ``<config_dir>/resource.d/NAME`` (heartbeat
  class), ``/etc/init.d/NAME`` (LSB), then our own agents (heartbeat class), as ``check``
  reports it.
* a bare IPv4-looking resource (glob ``[0-9]*.[0-9]*.[0-9]*.[0-9]*``) means ``IPaddr::IP``.
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from typing import Protocol

from ha_agents.config import search
from ha_agents.config.model import Location, ResourceSpec
from ha_agents.resources import heartbeat, lsb, ocf
from ha_agents.resources.outcome import Operation, OpOutcome


class AgentClass(enum.Enum):
    HEARTBEAT = "heartbeat"
    LSB = "lsb"
    OCF = "ocf"


@dataclass(frozen=True, slots=True)
class ResolveError:
    spec: str
    message: str

    def __str__(self) -> str:
        return f"{self.spec}: {self.message}"


@dataclass(frozen=True, slots=True)
class Agent:
    """A resource ready to run: its convention, script, positional args and OCF env."""

    spec: str
    cls: AgentClass
    script: str
    args: tuple[str, ...] = ()
    ocf_env: tuple[tuple[str, str], ...] = ()
    interpreter: str | None = None  # our own Python agents run with our interpreter
    where: search.Where | None = None  # which search place it was found in

    @property
    def name(self) -> str:
        return os.path.basename(self.script)

    def argv(self, op: Operation) -> tuple[str, ...]:
        if self.cls is AgentClass.OCF:
            argv = ocf.argv(self.script, op)
        elif self.cls is AgentClass.LSB:
            argv = lsb.argv(self.script, self.args, op)
        else:
            argv = heartbeat.argv(self.script, self.args, op)
        return (self.interpreter, *argv) if self.interpreter else argv

    def env(self) -> dict[str, str]:
        """Variables this resource adds to the common environment (OCF ones)."""
        return dict(self.ocf_env)

    def interpret(self, op: Operation, rc: int, stdout: str) -> OpOutcome:
        if self.cls is AgentClass.OCF:
            return ocf.interpret(op, rc)
        if self.cls is AgentClass.LSB:
            return lsb.interpret(op, rc)
        return heartbeat.interpret(op, rc, stdout)


class Finder(Protocol):
    def is_executable(self, path: str) -> bool: ...
    def listdir(self, path: str) -> list[str]: ...
    def read_text(self, path: str) -> str | None: ...


class LocalFinder:
    """The real file system."""

    def is_executable(self, path: str) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and os.access(path, os.X_OK)

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(path))
        except OSError:
            return []

    def read_text(self, path: str) -> str | None:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read(1 << 20)
        except OSError:
            return None


@dataclass(frozen=True, slots=True)
class SearchPaths:
    config_dir: str = "/etc/ha.d"
    agent_dirs: tuple[str, ...] = field(default_factory=search.agent_dirs)
    init_dir: str = search.INIT_DIR
    ocf_root: str = search.OCF_ROOT
    # Interpreter for the Python agents in ``agent_dirs`` (None: their #! line decides).
    # Saves the start-up of a Python without ha_agents that would re-exec this one.
    python: str | None = None
    # A resource name holding "/" is a path (the command line's test-agent ./script).
    allow_path: bool = False


def spec_from_text(text: str, loc: Location | None = None) -> ResourceSpec | ResolveError:
    """A ResourceSpec from one haresources resource word (for the CLI)."""
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return ResolveError(text, "a resource is one word without blanks, e.g. IPaddr::192.0.2.5")
    where = loc or Location("<command line>", 1)
    if fnmatch.fnmatchcase(text, "[0-9]*.[0-9]*.[0-9]*.[0-9]*"):
        return ResourceSpec("IPaddr", (text,), text, where)
    name, *args = text.split("::")
    if not name:
        return ResolveError(text, "empty script name")
    return ResourceSpec(name, tuple(args), text, where)


def resolve(
    spec: ResourceSpec,
    paths: SearchPaths | None = None,
    finder: Finder | None = None,
    force: AgentClass | None = None,
) -> Agent | ResolveError:
    p = paths or SearchPaths()
    found = _resolve(spec, p, finder or LocalFinder(), force)
    if isinstance(found, Agent) and p.python and found.where is search.Where.OURS:
        return dataclasses.replace(found, interpreter=p.python)
    return found


def _resolve(
    spec: ResourceSpec, p: SearchPaths, f: Finder, force: AgentClass | None
) -> Agent | ResolveError:
    if spec.name.startswith("ocf:"):
        return _ocf_colon(spec, p, f)
    if spec.name == "OCF" and force is None:
        return _ocf_instance(spec, p, f)
    if force is AgentClass.OCF:
        return _forced_ocf(spec, p, f)
    if force is AgentClass.LSB:
        where = _path_or(spec.name, [p.init_dir, *p.agent_dirs], f)
        if where is None:
            return ResolveError(spec.text, f"no executable init script {spec.name!r}")
        return Agent(spec.text, AgentClass.LSB, where, spec.args)
    looked = search.candidates(
        spec.name, p.config_dir, p.agent_dirs, p.init_dir, allow_path=p.allow_path
    )
    if force is AgentClass.HEARTBEAT:
        looked = tuple(c for c in looked if c.where is not search.Where.INIT_D)
    for c in looked:
        if f.is_executable(c.path):
            cls = AgentClass.LSB if c.where is search.Where.INIT_D else AgentClass.HEARTBEAT
            return Agent(spec.text, cls, c.path, spec.args, where=c.where)
    if not looked:
        return ResolveError(spec.text, f"{spec.name!r} is not a script name")
    return ResolveError(
        spec.text,
        f"Cannot locate resource script {spec.name} "
        f"(looked for {', '.join(c.path for c in looked)})",
    )


def _path_or(name: str, dirs: list[str], f: Finder) -> str | None:
    if "/" in name:
        return name if f.is_executable(name) else None
    if name in ("", ".", ".."):
        return None
    for d in dirs:
        candidate = f"{d.rstrip('/')}/{name}"
        if f.is_executable(candidate):
            return candidate
    return None


def _bad_part(part: str) -> bool:
    return not part or "/" in part or part in (".", "..")


def _ocf_colon(spec: ResourceSpec, p: SearchPaths, f: Finder) -> Agent | ResolveError:
    parts = spec.name.split(":")
    if len(parts) != 3 or _bad_part(parts[1]) or _bad_part(parts[2]):
        return ResolveError(
            spec.text, "OCF resources are written ocf:PROVIDER:AGENT[::NAME=VALUE...]"
        )
    _, provider, agent = parts
    return _ocf_agent(spec, p, f, provider, agent, f"{p.ocf_root}/resource.d/{provider}/{agent}")


def _forced_ocf(spec: ResourceSpec, p: SearchPaths, f: Finder) -> Agent | ResolveError:
    name = spec.name
    script = _path_or(name, [f"{p.ocf_root}/resource.d/heartbeat", *p.agent_dirs], f)
    if script is None:
        return ResolveError(spec.text, f"no executable OCF agent {name!r}")
    provider = "heartbeat" if "/" not in name else os.path.basename(os.path.dirname(script))
    return _ocf_agent(spec, p, f, provider, os.path.basename(script), script)


def _ocf_agent(
    spec: ResourceSpec, p: SearchPaths, f: Finder, provider: str, agent: str, script: str
) -> Agent | ResolveError:
    params, errors = ocf.parse_params(spec.args)
    if errors:
        return ResolveError(spec.text, "; ".join(str(e) for e in errors))
    if not f.is_executable(script):
        return ResolveError(spec.text, f"OCF agent {script} is missing or not executable")
    env = ocf.env(p.ocf_root, provider, agent, ocf.instance_name(agent, params), params)
    return Agent(spec.text, AgentClass.OCF, script, (), tuple(env.items()))


def _ocf_instance(spec: ResourceSpec, p: SearchPaths, f: Finder) -> Agent | ResolveError:
    if len(spec.args) != 2 or any(_bad_part(a) for a in spec.args):
        return ResolveError(spec.text, "Heartbeat's OCF form is OCF::AGENT::INSTANCE")
    agent, instance = spec.args
    root = f"{p.ocf_root}/resource.d"
    providers = f.listdir(root)
    providers.sort(key=lambda prov: (prov != "heartbeat", prov))
    script = next(
        (
            f"{root}/{prov}/{agent}"
            for prov in providers
            if f.is_executable(f"{root}/{prov}/{agent}")
        ),
        None,
    )
    if script is None:
        return ResolveError(spec.text, f"no OCF agent {agent!r} under {root}/*/")
    path = f"{p.config_dir.rstrip('/')}/conf/OCF/{agent}/{instance}"
    text = f.read_text(path)
    if text is None:
        return ResolveError(spec.text, f"missing OCF instance file {path}")
    variables, errors = ocf.parse_instance_file(text)
    if errors:
        return ResolveError(spec.text, f"{path}: " + "; ".join(str(e) for e in errors))
    provider = os.path.basename(os.path.dirname(script))
    base = ocf.env(p.ocf_root, provider, agent, instance)
    base.update(variables)
    return Agent(spec.text, AgentClass.OCF, script, (), tuple(base.items()))
