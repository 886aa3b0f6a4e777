"""EDGE: our IPaddr agent called inside a running process (the daemon's in-process runners).

The agent itself is :class:`ha_agents.agents_impl.ipaddr.IPaddr`, on the agent SDK; the
script ``resource.d/IPaddr`` runs it with ``run(IPaddr)``.  :func:`main` runs the very
same class through the SDK's convention detection and dispatch, with the caller's argv
and environment, so exit codes and stdout are those of the script; what differs is only
where the text goes (``out``/``err`` instead of the process's stdout/stderr), the
address manager (the caller's, when given) and the later gratuitous ARPs (``background``:
"thread" inside a long-running process, "fork" as a script does).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TextIO

from ha_agents.agent import log as agent_log
from ha_agents.agent.conventions import Convention, detect
from ha_agents.agent.dispatch import execute, instance_name
from ha_agents.agent.entry import _defaults_text  # the LSB defaults file, read as run() does
from ha_agents.agents_impl.ipaddr import IPaddr
from ha_agents.resources import ipaddr

_LOG_SETUP = threading.Lock()


def _private_logger(
    agent: type[IPaddr],
    inv_convention: Convention,
    instance: str,
    env: Mapping[str, str],
    err: TextIO,
) -> logging.Logger:
    """The SDK's logger for this call, moved off the shared named logger so that
    concurrent in-process calls never write through each other's handlers."""
    with _LOG_SETUP:
        shared = agent_log.setup(agent.agent_name(), instance, inv_convention, env, stderr=err)
        own = logging.Logger(shared.name, shared.level)
        own.propagate = False
        for handler in list(shared.handlers):
            shared.removeHandler(handler)
            own.addHandler(handler)
    return own


def main(
    argv: Sequence[str],
    env: Mapping[str, str],
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    mgr: ipaddr.AddressManager | None = None,
    background: str = "fork",
) -> int:
    """Run one IPaddr action as ``resource.d/IPaddr ARGV[1:]`` would; return its exit code.

    ``mgr``: an address manager the caller owns (default: a netlink socket per action);
    ``background``: how the later gratuitous ARPs are sent ("fork" or "thread").
    """
    agent = IPaddr.bound(mgr, background)
    environ = dict(env)
    inv = detect(list(argv), environ)
    logger = _private_logger(
        agent, inv.convention, instance_name(agent, inv, environ), environ, err
    )
    try:
        defaults = _defaults_text(agent, environ) if inv.convention is Convention.LSB else ""
        outcome = execute(agent, inv, environ, logger, defaults, "IPaddr")
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    out.write(outcome.stdout)
    return outcome.rc
