"""EDGE: run our own IPaddr agent inside the calling process instead of as a script.

A ``resource.d/IPaddr`` script costs ~200 ms here, almost all of it Python start-up and
importing pyroute2; the work itself (netlink add + first gratuitous ARP) takes ~4 ms.
:class:`InProcessRunner` wraps another :class:`ScriptRunner`: a call of OUR IPaddr (as
resolved from ``agents_dir``) runs the same code, ``ipaddr_agent.main``, in a worker thread
(never blocking the event loop), with later ARPs sent from a thread instead of a fork.
Every other script goes to the wrapped runner unchanged.  Same argv, same env, same
exit codes and output: the result is indistinguishable except for the time.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import Mapping, Sequence

from ha_agents.resources.agents import OUR_AGENTS_DIR
from ha_agents.resources.runner import RunResult, ScriptRunner


class InProcessRunner:
    def __init__(self, fallback: ScriptRunner, agents_dir: str = OUR_AGENTS_DIR) -> None:
        self.fallback = fallback
        self.ipaddr = os.path.realpath(os.path.join(agents_dir, "IPaddr"))

    def _agent_argv(self, argv: Sequence[str]) -> list[str] | None:
        """The agent's own argv if ``argv`` runs our IPaddr (directly or via python)."""
        for i in (0, 1):
            if len(argv) > i and os.path.realpath(argv[i]) == self.ipaddr:
                if i == 1 and "python" not in os.path.basename(argv[0]):
                    return None
                return list(argv[i:])
        return None

    async def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        timeout: float,
        cwd: str | None = None,
    ) -> RunResult:
        own = self._agent_argv(argv)
        if own is None:
            return await self.fallback.run(argv, env, timeout, cwd)
        started = time.monotonic()
        try:
            rc, out, err = await asyncio.wait_for(asyncio.to_thread(_run_ipaddr, own, env), timeout)
        except TimeoutError:
            return RunResult(-1, "", "", timed_out=True, duration=time.monotonic() - started)
        except Exception as exc:  # a bug in the agent must not take the daemon down
            detail = f"{type(exc).__name__}: {exc}"
            return RunResult(1, "", detail, duration=time.monotonic() - started, error=detail)
        return RunResult(rc, out, err, duration=time.monotonic() - started)


def _run_ipaddr(argv: list[str], env: Mapping[str, str]) -> tuple[int, str, str]:
    from ha_agents.resources.ipaddr_agent import main
    from ha_agents.resources.netlink import NetlinkAddressManager

    out, err = io.StringIO(), io.StringIO()
    try:
        with NetlinkAddressManager() as mgr:
            rc = main(argv, dict(env), out, err, mgr, background="thread")
    except OSError as exc:
        return 1, out.getvalue(), f"{err.getvalue()}ERROR: IPaddr: {exc}\n"
    return rc, out.getvalue(), err.getvalue()
