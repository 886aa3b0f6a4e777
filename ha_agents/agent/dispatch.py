"""Run one action of an Agent class and map the result onto the caller's convention.

This is the SDK's decision table: which agent methods run for an action, in what
order, and which exit code and stdout the caller gets.  It performs no I/O itself
(the agent's own methods do): :mod:`ha_agents.agent.entry` supplies argv, the
environment, the LSB defaults file and a logger, and prints the :class:`Outcome`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ha_agents.agent import conventions as cv
from ha_agents.agent.base import Agent, Context
from ha_agents.agent.conventions import Convention, Invocation
from ha_agents.agent.metadata import meta_data
from ha_agents.agent.params import resolve
from ha_agents.agent.results import (
    AgentError,
    GenericError,
    InvalidArgs,
    PermissionDenied,
    Running,
    Status,
    Stopped,
    Unimplemented,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the caller sees: exit code and standard output."""

    rc: int
    stdout: str = ""


class _NotRunning(Exception):
    """An action that needs a running resource (reload) found it stopped: exit 7."""


Handler = Callable[[Agent], Outcome]

_SAFE = re.compile(r"[^A-Za-z0-9_.:@+-]")


def instance_name(agent: type[Agent], inv: Invocation, env: Mapping[str, str]) -> str:
    """OCF_RESOURCE_INSTANCE; heartbeat-class ``NAME_<first arg>``; LSB the agent name."""
    name = agent.agent_name()
    if inv.convention is Convention.OCF:
        raw = env.get("OCF_RESOURCE_INSTANCE", "") or name
    elif inv.convention is Convention.HEARTBEAT and inv.args:
        raw = f"{name}_{inv.args[0]}"
    else:
        raw = name
    return _SAFE.sub("_", raw)


def usage(agent: type[Agent], inv: Invocation, prog: str) -> str:
    if inv.convention is Convention.OCF:
        actions = ["start", "stop", "monitor", "meta-data", "validate-all"]
        if agent.implements_reload():
            actions.append("reload")
        return f"usage: {prog} {{{'|'.join(actions)}}}  (parameters in OCF_RESKEY_*)"
    if inv.convention is Convention.HEARTBEAT:
        args = "::".join(agent.positional_order())
        return f"usage: {prog} [{args.replace('::', '] [')}] {{start|stop|status|restart}}"
    actions = ["start", "stop", "status", "restart", "try-restart", "force-reload"]
    if agent.implements_reload():
        actions.append("reload")
    return f"usage: {prog} {{{'|'.join(actions)}}}"


def supplied_values(
    agent: type[Agent], inv: Invocation, env: Mapping[str, str], defaults_text: str
) -> dict[str, str]:
    names = [p.name for p in agent.parameters()]
    if inv.convention is Convention.OCF:
        return cv.ocf_values(env, names)
    if inv.convention is Convention.HEARTBEAT:
        try:
            return cv.parse_positional(inv.args, agent.positional_order(), names)
        except ValueError as exc:
            raise InvalidArgs(str(exc)) from None
    return cv.parse_defaults_file(defaults_text, names)


def execute(
    agent_cls: type[Agent],
    inv: Invocation,
    env: Mapping[str, str],
    log: logging.Logger,
    defaults_text: str = "",
    prog: str = "",
) -> Outcome:
    """Run ``inv.action`` and return the exit code and stdout for ``inv.convention``."""
    prog = prog or agent_cls.agent_name()
    action = inv.action
    if action == "meta-data":
        return Outcome(cv.OCF_SUCCESS, meta_data(agent_cls))
    if action in ("usage", "help", "--help", "-h"):
        return Outcome(0, usage(agent_cls, inv, prog) + "\n")
    handler = _handlers(inv.convention).get(action)
    if handler is None:
        log.error("no action given" if not action else f"unknown action {action!r}")
        log.error("%s", usage(agent_cls, inv, prog))
        return Outcome(cv.USAGE_RC if not action else cv.OCF_UNIMPLEMENTED)
    probe = inv.convention is Convention.OCF and env.get("OCF_RESKEY_CRM_meta_interval") == "0"
    try:
        ctx = Context(
            inv.convention, action, instance_name(agent_cls, inv, env), log, probe, _depth(env)
        )
        values = resolve(
            agent_cls.parameters(), supplied_values(agent_cls, inv, env, defaults_text)
        )
        agent = agent_cls(values, ctx)
        return handler(agent)
    except _NotRunning:
        log.info("%s: not running", action)
        return Outcome(cv.OCF_NOT_RUNNING)
    except AgentError as exc:
        return _failed(inv, log, action, exc)
    except PermissionError as exc:
        return _failed(inv, log, action, PermissionDenied(str(exc)))
    except Exception as exc:  # a bug in the agent: report it, never a traceback
        log.debug("traceback of the agent failure", exc_info=True)
        return _failed(inv, log, action, GenericError(f"{type(exc).__name__}: {exc}"))


def _depth(env: Mapping[str, str]) -> int:
    """OCF_CHECK_LEVEL (0 when unset)."""
    text = env.get("OCF_CHECK_LEVEL", "").strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise InvalidArgs(f"OCF_CHECK_LEVEL={text!r} is not a number") from None


def _failed(inv: Invocation, log: logging.Logger, action: str, exc: AgentError) -> Outcome:
    log.error("%s failed: %s", action, exc.message)
    status_like = action in ("status", "monitor")
    if inv.convention is Convention.HEARTBEAT and status_like:
        return Outcome(1, cv.heartbeat_status_text(None) + "\n")
    if inv.convention is Convention.LSB and action == "status":
        return Outcome(cv.LSB_STATUS_UNKNOWN)
    return Outcome(cv.error_rc(exc.kind))


def _handlers(convention: Convention) -> dict[str, Handler]:
    common: dict[str, Handler] = {
        "start": _start,
        "stop": _stop,
        "restart": _restart,
        "reload": _reload,
        "validate-all": _validate,
    }
    if convention is Convention.OCF:
        return {**common, "monitor": _ocf_monitor, "status": _ocf_monitor}
    if convention is Convention.HEARTBEAT:
        return {**common, "status": _hb_status, "monitor": _hb_status}
    return {
        **common,
        "status": _lsb_status,
        "try-restart": _try_restart,
        "condrestart": _try_restart,
        "force-reload": _force_reload,
    }


def _check(agent: Agent, depth: int = 0) -> Status:
    status = agent.monitor(depth)
    if not isinstance(status, Running | Stopped):
        raise GenericError(f"monitor returned {status!r}, not Running() or Stopped()")
    return status


def _start(agent: Agent) -> Outcome:
    agent.validate()
    try:
        before: Status | None = _check(agent)
    except AgentError as exc:
        agent.log.warning("monitor before start failed (%s); starting anyway", exc.message)
        before = None
    if isinstance(before, Running):
        agent.log.info("already running%s", _detail(before.detail))
        return Outcome(cv.OCF_SUCCESS)
    agent.start()
    after = _check(agent)
    if not isinstance(after, Running):
        raise GenericError(f"start returned but monitor reports stopped{_detail(after.detail)}")
    agent.log.info("started%s", _detail(after.detail))
    return Outcome(cv.OCF_SUCCESS)


def _stop(agent: Agent) -> Outcome:
    try:
        before: Status | None = _check(agent)
    except AgentError as exc:
        agent.log.warning("monitor before stop failed (%s); stopping anyway", exc.message)
        before = None
    if isinstance(before, Stopped) and not before.dead:
        agent.log.info("already stopped")
        return Outcome(cv.OCF_SUCCESS)
    agent.stop()
    try:
        after: Status | None = _check(agent)
    except AgentError as exc:
        agent.log.warning("monitor after stop failed (%s); stop reported success", exc.message)
        after = None
    if isinstance(after, Running):
        raise GenericError(
            f"stop returned but monitor still reports running{_detail(after.detail)}"
        )
    agent.log.info("stopped")
    return Outcome(cv.OCF_SUCCESS)


def _restart(agent: Agent) -> Outcome:
    _stop(agent)
    return _start(agent)


def _try_restart(agent: Agent) -> Outcome:
    if isinstance(_check(agent), Running):
        return _restart(agent)
    agent.log.info("not running; nothing to restart")
    return Outcome(cv.OCF_SUCCESS)


def _reload(agent: Agent) -> Outcome:
    if not agent.implements_reload():
        raise Unimplemented(f"{agent.agent_name()} does not implement reload")
    agent.validate()
    if not isinstance(_check(agent), Running):
        raise _NotRunning()
    agent.reload()
    agent.log.info("reloaded")
    return Outcome(cv.OCF_SUCCESS)


def _force_reload(agent: Agent) -> Outcome:
    if agent.implements_reload():
        if not isinstance(_check(agent), Running):
            agent.log.info("not running; nothing to reload")
            return Outcome(cv.OCF_SUCCESS)
        return _reload(agent)
    return _try_restart(agent)


def _validate(agent: Agent) -> Outcome:
    agent.validate()
    return Outcome(cv.OCF_SUCCESS)


def _ocf_monitor(agent: Agent) -> Outcome:
    status = _check(agent, agent.context.depth)
    if isinstance(status, Running):
        agent.log.debug("monitor: running%s", _detail(status.detail))
        return Outcome(cv.OCF_SUCCESS)
    if not agent.is_probe:
        agent.log.info("monitor: not running%s", _detail(status.detail))
    return Outcome(cv.OCF_NOT_RUNNING)


def _hb_status(agent: Agent) -> Outcome:
    status = _check(agent)
    running = isinstance(status, Running)
    rc = cv.LSB_STATUS_RUNNING if running else cv.LSB_STATUS_STOPPED
    return Outcome(rc, cv.heartbeat_status_text(running) + "\n")


def _lsb_status(agent: Agent) -> Outcome:
    status = _check(agent)
    name = agent.agent_name()
    if isinstance(status, Running):
        return Outcome(cv.LSB_STATUS_RUNNING, f"{name} is running{_detail(status.detail)}\n")
    if status.dead:
        return Outcome(cv.LSB_STATUS_DEAD_PIDFILE, f"{name} is dead{_detail(status.detail)}\n")
    return Outcome(cv.LSB_STATUS_STOPPED, f"{name} is stopped\n")


def _detail(detail: str) -> str:
    return f" ({detail})" if detail else ""
