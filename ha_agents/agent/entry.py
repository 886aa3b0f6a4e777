"""``run(AgentClass)``: the entry point that turns an agent file into a script (edge).

:func:`call` runs the same action inside a long-running process instead (the daemon's
in-process IPaddr): same convention detection, dispatch, exit code and stdout.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import NoReturn, TextIO

from ha_agents.agent import log as agent_log
from ha_agents.agent.base import Agent
from ha_agents.agent.conventions import Convention, detect
from ha_agents.agent.dispatch import execute, instance_name

DEFAULTS_DIR = "/etc/default"
_LOG_SETUP = threading.Lock()


def defaults_text(agent: type[Agent], env: Mapping[str, str]) -> str:
    path = env.get("HA_AGENT_DEFAULTS") or os.path.join(DEFAULTS_DIR, agent.agent_name())
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def main(
    agent: type[Agent],
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run the action named by ``argv`` and return the exit code (stdout already written)."""
    args = list(sys.argv if argv is None else argv)
    environ = dict(os.environ if env is None else env)
    inv = detect(args, environ)
    logger = agent_log.setup(
        agent.agent_name(), instance_name(agent, inv, environ), inv.convention, environ
    )
    logger.debug("convention %s (%s), action %r", inv.convention.value, inv.reason, inv.action)
    defaults = defaults_text(agent, environ) if inv.convention is Convention.LSB else ""
    prog = os.path.basename(args[0]) if args else agent.agent_name()
    outcome = execute(agent, inv, environ, logger, defaults, prog)
    if outcome.stdout:
        try:
            sys.stdout.write(outcome.stdout)
            sys.stdout.flush()
        except OSError:
            pass
    return outcome.rc


def _private_logger(
    agent: type[Agent], convention: Convention, instance: str, env: Mapping[str, str], err: TextIO
) -> logging.Logger:
    """The SDK's logger for one call, moved off the shared named logger so that
    concurrent in-process calls never write through each other's handlers."""
    with _LOG_SETUP:
        shared = agent_log.setup(agent.agent_name(), instance, convention, env, stderr=err)
        own = logging.Logger(shared.name, shared.level)
        own.propagate = False
        for handler in list(shared.handlers):
            shared.removeHandler(handler)
            own.addHandler(handler)
    return own


def call(
    agent: type[Agent],
    argv: Sequence[str],
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    """Run one action as the script ``argv[0] argv[1:]`` would, inside this process.

    Exit code and stdout are the script's; stdout goes to ``out`` and log lines meant
    for stderr to ``err``; other log targets (files, syslog) are the script's too.
    """
    environ = dict(env)
    inv = detect(list(argv), environ)
    logger = _private_logger(
        agent, inv.convention, instance_name(agent, inv, environ), environ, err
    )
    try:
        defaults = defaults_text(agent, environ) if inv.convention is Convention.LSB else ""
        prog = os.path.basename(argv[0]) if argv else agent.agent_name()
        outcome = execute(agent, inv, environ, logger, defaults, prog)
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    out.write(outcome.stdout)
    return outcome.rc


def run(agent: type[Agent]) -> NoReturn:
    """Make the calling file an executable agent: ``if __name__ == "__main__": run(MyAgent)``."""
    raise SystemExit(main(agent))
