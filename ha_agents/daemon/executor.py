"""EDGE: the daemon's executor for the failover manager's actions.

``AcquireGroup`` / ``ReleaseGroup`` run the group through ``resources.group.GroupRunner``
(status+start left to right, stop right to left, Heartbeat's semantics); ``Reannounce``
re-sends gratuitous ARP for the group's IPaddr addresses; ``Fence`` runs the configured
fencing command with the node name as last argument.  Each finishes by calling
``feed(result)`` with a failover event (``GroupDone``, ``FenceDone``).  The ping monitor
(ping / ping_group of ha.cf) feeds ``PingStatus`` when reachability changes.
Resource monitoring's ``Probe`` and ``RestartResources`` run in daemon/probes.py and
feed ``ProbeDone`` / ``RestartDone``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Protocol

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon import probes
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.runners import build_runner
from ha_agents.failover import events as ev
from ha_agents.failover.actions import (
    AcquireGroup,
    Fence,
    Probe,
    Reannounce,
    ReleaseGroup,
    RestartResources,
)
from ha_agents.notice import Level
from ha_agents.resources import env as script_env
from ha_agents.resources.agents import Agent, ResolveError, SearchPaths, resolve
from ha_agents.resources.env import script_cwd
from ha_agents.resources.group import GroupRunner, LogLine, Timeouts
from ha_agents.resources.outcome import AddsAddresses, Operation
from ha_agents.resources.runner import ScriptRunner

Feed = Callable[[object], None]


class Executor(Protocol):
    """What the daemon needs of its executor (tests may give a recorder)."""

    def execute(self, action: object, feed: Feed) -> None: ...

    def reload_groups(self, config: ClusterConfig) -> None: ...

    def last_added(self) -> tuple[str, float] | None:
        """The address the executor put on an interface last, and when (monotonic)."""
        ...

    async def close(self) -> None: ...


LEVELS = {"info": Level.INFO, "warning": Level.WARN, "error": Level.ERROR, "critical": Level.CRIT}
IPADDR_AGENTS = ("IPaddr", "IPaddr2")


class FailoverExecutor:
    def __init__(
        self,
        config: ClusterConfig,
        log: HbLog,
        options: FailoverOptions | None = None,
        *,
        runner: ScriptRunner | None = None,
    ) -> None:
        self.config = config
        self.log = log
        self.options = options or FailoverOptions()
        self.groups = {g.key: g for g in config.groups}
        self.paths = SearchPaths(config_dir=config.config_dir)
        self.env = script_env.build(
            os.environ, script_env.from_cluster(config, python=sys.executable)
        )
        self.own_runner = runner is None
        self.runner = runner or build_runner(config, self.options)
        self.tasks: set[asyncio.Task[None]] = set()

    def reload_groups(self, config: ClusterConfig) -> None:
        """A configuration reload (daemon/reload.py) kept the groups and their homes: each
        group's next acquire or release runs its new resource list, as Heartbeat's
        ResourceManager reads haresources at every transition.  Nothing runs now."""
        self.config = config
        self.groups = {g.key: g for g in config.groups}
        self.env = script_env.build(
            os.environ, script_env.from_cluster(config, python=sys.executable)
        )
        if self.own_runner:  # the new resources may use another IPaddr (daemon/runners.py)
            self.runner = build_runner(config, self.options)

    def last_added(self) -> tuple[str, float] | None:
        return self.runner.last_added if isinstance(self.runner, AddsAddresses) else None

    # -- Executor protocol -------------------------------------------------------------
    def execute(self, action: object, feed: Feed) -> None:
        if isinstance(action, (AcquireGroup, ReleaseGroup)):
            self._spawn(self._group(action.key, isinstance(action, AcquireGroup), feed))
        elif isinstance(action, Reannounce):
            self._spawn(self._reannounce(action.key))
        elif isinstance(action, Fence):
            self._spawn(self._fence(action.node, feed))
        elif isinstance(action, Probe | RestartResources):
            self._spawn(self._monitoring(action, feed))
        else:
            self.log.log(Level.ERROR, f"failover executor: unknown action {action!r}")

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- work ------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _script_log(self, line: LogLine) -> None:
        self.log.log(LEVELS.get(line.level, Level.INFO), f"ResourceManager: {line.message}")

    def _agents(self, key: str) -> list[Agent] | str:
        group = self.groups.get(key)
        if group is None:
            return f"no resource group {key!r} in haresources"
        agents: list[Agent] = []
        for spec in group.resources:
            found = resolve(spec, self.paths)
            if isinstance(found, ResolveError):
                return str(found)
            agents.append(found)
        return agents

    def _group_runner(self, timeouts: Timeouts | None = None) -> GroupRunner:
        return GroupRunner(
            self.runner,
            self.env,
            sleep=asyncio.sleep,
            timeouts=timeouts,
            stop_retry_max=script_env.stop_retry_max(self.env),
            log=self._script_log,
            cwd=script_cwd(),
            reboot=self._reboot if self.options.stop_failure == "reboot" else None,
        )

    async def _monitoring(self, action: Probe | RestartResources, feed: Feed) -> None:
        """A check (killed at its timeout) or a restart in place; the result fed back."""
        clock = asyncio.get_running_loop().time
        agents = self._agents(action.key)
        try:
            if isinstance(agents, str) or action.index >= len(agents):
                problem = agents if isinstance(agents, str) else "no such resource"
                raise LookupError(problem)
            if isinstance(action, Probe):
                runner = self._group_runner(Timeouts(status=action.timeout))
                agent = next((a for a in agents if a.spec == action.resource), None)
                agent = agent or agents[action.index]  # by its text: a reload may move it
                feed(await probes.probe(runner, agent, action, clock))
            else:
                feed(await probes.restart(self._group_runner(), agents, action, clock))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or a vanished script must not kill the daemon
            why = f"{type(exc).__name__}: {exc}"
            self.log.log(Level.ERROR, f"ResourceManager: {action.key}: {why}")
            if isinstance(action, Probe):
                verdict = ev.Verdict.FAILED
                feed(ev.ProbeDone(action.key, action.index, action.probe, verdict, clock(), why))
            else:
                feed(ev.RestartDone(action.key, action.index, False, clock(), why))

    async def _group(self, key: str, start: bool, feed: Feed) -> None:
        loop = asyncio.get_running_loop()
        agents = self._agents(key)
        if isinstance(agents, str):
            self.log.log(Level.ERROR, f"ResourceManager: {agents}")
            feed(ev.GroupDone(key, start, False, loop.time(), agents))
            return
        runner = self._group_runner()
        try:
            result = await (runner.acquire(agents) if start else runner.release(agents))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a runner must not kill the daemon
            self.log.log(Level.ERROR, f"ResourceManager: {key}: {type(exc).__name__}: {exc}")
            feed(ev.GroupDone(key, start, False, loop.time(), f"{type(exc).__name__}: {exc}"))
            return
        if start and result.ok:
            # An address found already configured (e.g. left behind by a crash of this
            # node) was not started, so no gratuitous ARP went out: clients would stay on
            # the previous holder's MAC.  Announce those now.
            started = {step.resource for step in result.steps if step.op is Operation.START}
            self._spawn(self._reannounce(key, skip=started, why="already configured when acquired"))
        feed(ev.GroupDone(key, start, result.ok, loop.time(), result.reason))

    async def _reannounce(
        self,
        key: str,
        skip: Collection[str] = (),
        why: str = "after split brain",
    ) -> None:
        group = self.groups.get(key)
        if group is None:
            return
        addresses = [
            spec.args[0].split("/", 1)[0]
            for spec in group.resources
            if spec.name in IPADDR_AGENTS and spec.args and spec.text not in skip
        ]
        for ip in addresses:
            problem = await asyncio.to_thread(_garp, ip)
            if problem:
                self.log.log(Level.WARN, f"gratuitous ARP for {ip} not sent: {problem}")
            else:
                self.log.info(f"Re-announced {ip} (gratuitous ARP) {why}.")

    async def _reboot(self) -> None:
        """``stop_failure reboot`` (failover.cf): a resource could not be stopped, so reboot
        this node (Heartbeat's behaviour); the peer then declares it dead and takes over."""
        for argv in self.options.reboot_commands:
            self.log.log(Level.CRIT, f"Resource STOP failure: rebooting with {' '.join(argv)}")
            res = await self.runner.run(list(argv), self.env, 30.0, None)
            if res.rc == 0 and not res.timed_out and res.error is None:
                return
        self.log.log(Level.CRIT, "Unable to force reboot.")

    async def _fence(self, node: str, feed: Feed) -> None:
        loop = asyncio.get_running_loop()
        argv = (*self.options.fence_command, node)
        env = {**self.env, "HA_FENCE_NODE": node}
        result = await self.runner.run(argv, env, self.options.fence_timeout_s, None)
        ok = result.rc == 0 and not result.timed_out and result.error is None
        detail = "" if ok else (result.error or f"exit {result.rc}: {result.stderr.strip()[:200]}")
        feed(ev.FenceDone(node, ok, loop.time(), detail))


def _garp(ip: str) -> str | None:
    """Blocking (run in a thread): find the interface holding ip, send 5 GARPs 0.3 s apart.

    They span more than a second: a Linux client ignores ARP updates within ``locktime``
    (1 s) of the last change of its entry, e.g. the old holder's answer just before it let
    go of the address (seen in bench/faults.py: the client stayed on the old MAC)."""
    from ha_agents.agents.ipaddr.garp import RawGarp
    from ha_agents.agents.ipaddr.rtnl import RtnlAddressManager  # no pyroute2 in the daemon

    with RtnlAddressManager() as mgr:
        info = mgr.find(ip)
    if info is None:
        return "address not configured here"
    return RawGarp(count=5, interval=0.3, background="none").announce(info.ifname, ip)
