"""EDGE: run our own IPaddr agent inside the calling process instead of as a script.

A ``resource.d/IPaddr`` script costs ~200 ms here, almost all of it Python start-up and
importing pyroute2; the work itself (netlink add + first gratuitous ARP) takes ~4 ms.  In
here the kernel is asked through agents/ipaddr/rtnl.py (no pyroute2).
:class:`InProcessRunner` wraps another :class:`ScriptRunner`: a call of OUR IPaddr (any
copy in the agent directories of :mod:`ha_agents.config.search`) runs the same agent
class through the SDK's :func:`~ha_agents.agent.entry.call`, in a worker thread (never
blocking the event loop), with later ARPs sent from a thread instead of a fork.  Every
other script goes to the wrapped runner unchanged.  Same argv, same env, same exit codes
and output: the result is indistinguishable except for the time.

A timeout does not leave the worker behind: the address port it was given refuses every
further kernel call, so the worker ends at its next step (a netlink call takes
milliseconds) and can never add the address after the caller has given up; the runner
waits for that (at most ``grace`` seconds) before it reports the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from ha_agents.agent.entry import call
from ha_agents.agents.ipaddr.agent import IPaddr
from ha_agents.agents.ipaddr.logic import AddressManager, AddrInfo, OpResult
from ha_agents.config.search import agent_dirs as default_agent_dirs
from ha_agents.resources.runner import RunResult, ScriptRunner

ManagerFactory = Callable[[], AbstractContextManager[AddressManager]]
Outcome = tuple[int, str, str]
GRACE_S = 5.0


class Cancelled(Exception):
    """The caller stopped waiting for this action (its timeout passed)."""


class GuardedManager:
    """An :class:`AddressManager` that refuses every call once ``cancel`` is set."""

    def __init__(self, mgr: AddressManager, cancel: threading.Event) -> None:
        self.mgr = mgr
        self.cancel = cancel

    def _go(self) -> AddressManager:
        if self.cancel.is_set():
            raise Cancelled("the caller's timeout passed; no further change is made")
        return self.mgr

    def find(self, ip: str) -> AddrInfo | None:
        return self._go().find(ip)

    def connected(self, ip: str, nic: str | None) -> tuple[str, int] | None:
        return self._go().connected(ip, nic)

    def labels(self, ifname: str) -> set[str]:
        return self._go().labels(ifname)

    def link_exists(self, ifname: str) -> bool:
        return self._go().link_exists(ifname)

    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> OpResult:
        return self._go().add(ifname, cidr, label, broadcast)

    def remove(self, ifname: str, cidr: str) -> OpResult:
        return self._go().remove(ifname, cidr)


def _netlink() -> AbstractContextManager[AddressManager]:
    # the standard-library rtnetlink port: pyroute2 would add ~23 MB to the daemon
    from ha_agents.agents.ipaddr.rtnl import RtnlAddressManager

    return RtnlAddressManager()


def run_ipaddr(
    argv: Sequence[str],
    env: Mapping[str, str],
    manager: ManagerFactory = _netlink,
    cancel: threading.Event | None = None,
) -> Outcome:
    """One IPaddr action as ``resource.d/IPaddr ARGV[1:]`` would run it: (rc, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with manager() as mgr:
            guarded = GuardedManager(mgr, cancel or threading.Event())
            rc = call(IPaddr.bound(guarded, "thread"), argv, env, out, err)
    except OSError as exc:
        return 1, out.getvalue(), f"{err.getvalue()}ERROR: IPaddr: {exc}\n"
    return rc, out.getvalue(), err.getvalue()


class InProcessRunner:
    def __init__(
        self,
        fallback: ScriptRunner,
        agent_dirs: Sequence[str] | None = None,
        manager: ManagerFactory = _netlink,
        grace: float = GRACE_S,
    ) -> None:
        self.fallback = fallback
        dirs = default_agent_dirs() if agent_dirs is None else agent_dirs
        self.ipaddr = {os.path.realpath(os.path.join(d, "IPaddr")) for d in dirs}
        self.manager = manager
        self.grace = grace

    def _agent_argv(self, argv: Sequence[str]) -> list[str] | None:
        """The agent's own argv if ``argv`` runs our IPaddr (directly or via python)."""
        for i in (0, 1):
            if len(argv) > i and os.path.realpath(argv[i]) in self.ipaddr:
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
        cancel = threading.Event()
        done, thread = self._start(own, env, cancel)
        try:
            rc, out, err = await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            cancel.set()
            return await self._after_timeout(done, thread, started)
        except asyncio.CancelledError:
            cancel.set()
            raise
        except Exception as exc:  # a bug in the agent must not take the daemon down
            detail = f"{type(exc).__name__}: {exc}"
            return RunResult(1, "", detail, duration=time.monotonic() - started, error=detail)
        return RunResult(rc, out, err, duration=time.monotonic() - started)

    def _start(
        self, argv: list[str], env: Mapping[str, str], cancel: threading.Event
    ) -> tuple[asyncio.Future[Outcome], threading.Thread]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome] = loop.create_future()
        environ = dict(env)

        def settle(result: Outcome | None, exc: BaseException | None) -> None:
            if done.done():
                return
            if exc is not None:
                done.set_exception(exc)
            else:
                assert result is not None
                done.set_result(result)

        def work() -> None:
            result: Outcome | None = None
            failure: BaseException | None = None
            try:
                result = run_ipaddr(argv, environ, self.manager, cancel)
            except Exception as exc:
                failure = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, result, failure)

        thread = threading.Thread(target=work, name="ha-agents-ipaddr", daemon=True)
        thread.start()
        return done, thread

    async def _after_timeout(
        self, done: asyncio.Future[Outcome], thread: threading.Thread, started: float
    ) -> RunResult:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(done, self.grace)
        await asyncio.to_thread(thread.join, 1.0)
        error = None
        if thread.is_alive():
            error = f"IPaddr worker still inside a kernel call {self.grace:.0f} s after the timeout"
        return RunResult(
            -1, "", "", timed_out=True, duration=time.monotonic() - started, error=error
        )
