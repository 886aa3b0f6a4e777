"""``run(AgentClass)``: the entry point that turns an agent file into a script (edge)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from ha_agents.agent import log as agent_log
from ha_agents.agent.base import Agent
from ha_agents.agent.conventions import Convention, detect
from ha_agents.agent.dispatch import execute, instance_name

DEFAULTS_DIR = "/etc/default"


def _defaults_text(agent: type[Agent], env: Mapping[str, str]) -> str:
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
    defaults = _defaults_text(agent, environ) if inv.convention is Convention.LSB else ""
    prog = os.path.basename(args[0]) if args else agent.agent_name()
    outcome = execute(agent, inv, environ, logger, defaults, prog)
    if outcome.stdout:
        try:
            sys.stdout.write(outcome.stdout)
            sys.stdout.flush()
        except OSError:
            pass
    return outcome.rc


def run(agent: type[Agent]) -> NoReturn:
    """Make the calling file an executable agent: ``if __name__ == "__main__": run(MyAgent)``."""
    raise SystemExit(main(agent))
