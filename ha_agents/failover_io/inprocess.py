"""EDGE: run our own IPaddr agent inside the daemon instead of as a script.

``resource.d/IPaddr`` of ha_agents is a thin wrapper around
``resources.ipaddr_agent.main``, which is written to be called in-process (GARPs from a
thread).  Starting a Python interpreter for each ``status`` and ``start`` costs about
0.2 s apiece on this machine — a large share of a 500 ms deadtime failover — so
``InProcessRunner`` calls ``main`` in a worker thread when ``argv[0]`` is exactly our
agent, with the same argv, environment and exit-code contract; anything else (a user's
script, Heartbeat's own IPaddr, LSB, OCF) runs as a real process through the fallback.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ha_agents.resources.agents import OUR_AGENTS_DIR
from ha_agents.resources.runner import RunResult, ScriptRunner

OUR_IPADDR = (Path(OUR_AGENTS_DIR) / "IPaddr").resolve()


def _call(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    from ha_agents.resources.ipaddr_agent import main

    out, err = io.StringIO(), io.StringIO()
    rc = main(argv, env, out=out, err=err, background="thread")
    return rc, out.getvalue(), err.getvalue()


class InProcessRunner:
    def __init__(self, fallback: ScriptRunner) -> None:
        self.fallback = fallback

    def is_ours(self, path: str) -> bool:
        try:
            return Path(path).resolve() == OUR_IPADDR
        except OSError:
            return False

    async def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        timeout: float,
        cwd: str | None = None,
    ) -> RunResult:
        if not argv or not self.is_ours(argv[0]):
            return await self.fallback.run(argv, env, timeout, cwd)
        started = time.monotonic()
        try:
            rc, out, err = await asyncio.wait_for(
                asyncio.to_thread(_call, list(argv), dict(env)), timeout
            )
        except TimeoutError:
            return RunResult(1, "", "", timed_out=True, duration=time.monotonic() - started)
        except Exception as exc:  # the agent must not take the daemon down
            detail = f"{type(exc).__name__}: {exc}"
            return RunResult(1, "", detail, duration=time.monotonic() - started, error=detail)
        return RunResult(rc, out, err, duration=time.monotonic() - started)
