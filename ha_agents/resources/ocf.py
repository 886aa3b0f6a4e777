"""OCF resource agents: environment, parameters and exit codes (OCF RA API 1.0).

An agent is called with one argument, the action; parameters travel as
``OCF_RESKEY_<name>`` in the environment, with ``OCF_ROOT``, ``OCF_RA_VERSION_MAJOR/MINOR``,
``OCF_RESOURCE_INSTANCE`` and ``OCF_RESOURCE_TYPE``.  ``status`` is asked as ``monitor``:
0 running, 7 cleanly stopped, anything else failed (docs/heartbeat/resources.md §6).

haresources parameter syntax (ha_agents; Heartbeat had none that worked, §6):

    ocf:PROVIDER:AGENT::NAME=VALUE::NAME=VALUE...

e.g. ``ocf:heartbeat:IPaddr2::ip=192.0.2.5::cidr_netmask=24``.  Each ``::`` field is one
parameter; the value is everything after the first ``=`` (it may contain ``=``; it is never
split again or evaluated; haresources itself cannot hold blanks in a resource).
NAME is ``[A-Za-z_][A-Za-z0-9_]*``.

``OCF::AGENT::INSTANCE`` (Heartbeat's form) reads ``<config_dir>/conf/OCF/AGENT/INSTANCE``:
``NAME=VALUE`` lines (optionally ``export NAME=VALUE``, ``#`` comments, values in single or
double quotes).  It is parsed, never sourced: ``$x`` and backquotes stay literal text.
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ha_agents.resources.outcome import Operation, OpOutcome, Status


class OcfRc(enum.IntEnum):
    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_MASTER = 8
    FAILED_MASTER = 9


def rc_name(rc: int) -> str:
    try:
        return f"OCF_{OcfRc(rc).name}"
    except ValueError:
        return "not an OCF exit code"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class ParamError:
    """A parameter that cannot be used, with the text that caused it."""

    text: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}: {self.text!r}"


def parse_params(fields: Sequence[str]) -> tuple[tuple[tuple[str, str], ...], list[ParamError]]:
    """``("ip=192.0.2.5", "cidr_netmask=24")`` → ordered (name, value) pairs + errors."""
    params: list[tuple[str, str]] = []
    errors: list[ParamError] = []
    seen: set[str] = set()
    for text in fields:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep:
            errors.append(ParamError(text, "OCF parameter must be NAME=VALUE"))
        elif not _NAME.match(name):
            errors.append(ParamError(text, "OCF parameter name must be [A-Za-z_][A-Za-z0-9_]*"))
        elif name in seen:
            errors.append(ParamError(text, f"OCF parameter {name!r} given twice"))
        else:
            seen.add(name)
            params.append((name, value))
    return tuple(params), errors


def parse_instance_file(text: str) -> tuple[dict[str, str], list[ParamError]]:
    """Variables of a Heartbeat ``conf/OCF/AGENT/INSTANCE`` file, without running a shell."""
    from ha_agents.agent.conventions import assignments  # the SDK: only when used

    env: dict[str, str] = {}
    errors: list[ParamError] = []
    for raw, name, sep, value in assignments(text):
        if not sep or not _NAME.match(name):
            errors.append(ParamError(raw, "expected NAME=VALUE"))
            continue
        try:
            words = shlex.split(value, comments=True, posix=True)
        except ValueError as exc:
            errors.append(ParamError(raw, f"bad quoting ({exc})"))
            continue
        if len(words) > 1:
            errors.append(ParamError(raw, "value has unquoted blanks"))
            continue
        env[name] = words[0] if words else ""
    return env, errors


def instance_name(agent: str, params: Sequence[tuple[str, str]]) -> str:
    """``IPaddr2_192.0.2.5``: the agent and its first parameter value, like the v1 wrappers."""
    first = params[0][1] if params else ""
    safe = re.sub(r"[^A-Za-z0-9_.:-]", "_", first)
    return f"{agent}_{safe}" if safe else agent


def env(
    ocf_root: str,
    provider: str,
    agent: str,
    instance: str,
    params: Sequence[tuple[str, str]] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    out = {
        "OCF_ROOT": ocf_root,
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "0",
        "OCF_RESOURCE_INSTANCE": instance,
        "OCF_RESOURCE_TYPE": agent,
        "OCF_RESOURCE_PROVIDER": provider,
    }
    if extra:
        out.update(extra)
    for name, value in params:
        out[f"OCF_RESKEY_{name}"] = value
    return out


def action(op: Operation) -> str:
    return "monitor" if op is Operation.STATUS else op.value


def argv(script: str, op: Operation) -> tuple[str, ...]:
    return (script, action(op))


def interpret(op: Operation, rc: int) -> OpOutcome:
    reason = f"exit {rc} ({rc_name(rc)})"
    if op is Operation.STATUS:
        if rc == OcfRc.SUCCESS:
            return OpOutcome(True, reason, Status.RUNNING)
        if rc == OcfRc.NOT_RUNNING:
            return OpOutcome(True, reason, Status.STOPPED)
        return OpOutcome(False, reason, Status.FAILED)
    return OpOutcome(rc == OcfRc.SUCCESS, reason)
