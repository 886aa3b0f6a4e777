"""EDGE: user hooks run on cluster transitions (like Heartbeat's rc.d/harc events and
keepalived's notify scripts).

Every executable regular file in the hooks directory whose name matches run-parts'
rule (``[A-Za-z0-9_-]+``: no dots, so ``foo.dpkg-old`` and editor backups are skipped)
is run, in name order, once per event, with

* argv: ``HOOK EVENT NODE [GROUP [RESOURCE]]`` (GROUP for group and resource-monitoring
  events, RESOURCE for the latter; see status/events.py);
* env: the daemon's environment plus ``HA_EVENT``, ``HA_NODE``, ``HA_GROUP``,
  ``HA_LINK``, ``HA_REASON``, ``HA_RESOURCE``, ``HA_CURHOST`` (this node), ``HA_d``
  (the config dir);
* no shell, stdin /dev/null, its own session; killed (the whole session) after the
  timeout.  Output (at most 20 lines) and a non-zero exit are logged.

Hooks never block the daemon: events queue (bounded, oldest kept, overflow logged) and
one task runs them one after the other.  The directory is read at each event, so adding
or removing a hook needs no reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from pathlib import Path

from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.opsoptions import DEFAULT_TIMEOUT_S
from ha_agents.notice import Level
from ha_agents.status.events import OpsEvent

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_PENDING = 256
MAX_OUTPUT_LINES = 20
MAX_OUTPUT_BYTES = 64 * 1024


def hook_files(directory: Path) -> list[Path]:
    """The hooks to run, in order ([] when the directory does not exist)."""
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [p for p in entries if NAME_RE.match(p.name) and p.is_file() and os.access(p, os.X_OK)]


def hook_argv(hook: Path, event: OpsEvent) -> list[str]:
    argv = [str(hook), event.name, event.node]
    if event.group:
        argv.append(event.group)
        if event.resource:
            argv.append(event.resource)
    return argv


def hook_env(event: OpsEvent, local: str, config_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HA_EVENT=event.name,
        HA_NODE=event.node,
        HA_GROUP=event.group,
        HA_LINK=event.link,
        HA_REASON=event.reason,
        HA_RESOURCE=event.resource,
        HA_CURHOST=local,
        HA_d=config_dir,
    )
    return env


class HookRunner:
    def __init__(
        self,
        directory: Path,
        local: str,
        config_dir: str,
        log: HbLog,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.directory = directory
        self.local = local
        self.config_dir = config_dir
        self.log = log
        self.timeout_s = timeout_s
        self.queue: asyncio.Queue[OpsEvent] = asyncio.Queue(MAX_PENDING)
        self.task: asyncio.Task[None] | None = None
        self.overflow = 0

    def submit(self, event: OpsEvent) -> None:
        """Queue ``event`` (never blocks); starts the worker on first use."""
        if not hook_files(self.directory):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflow += 1
            self.log.log(Level.ERROR, f"hooks: queue full; {event.name} {event.node} not run")
            return
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._worker())

    async def _worker(self) -> None:
        while not self.queue.empty():
            event = self.queue.get_nowait()
            for hook in hook_files(self.directory):
                await self._run(hook, event)

    async def _run(self, hook: Path, event: OpsEvent) -> None:
        argv = hook_argv(hook, event)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=hook_env(event, self.local, self.config_dir),
                start_new_session=True,
            )
        except OSError as exc:
            self.log.log(Level.ERROR, f"hook {hook.name} {event.name}: cannot run: {exc}")
            return
        assert proc.stdout is not None
        try:
            output = await asyncio.wait_for(proc.stdout.read(MAX_OUTPUT_BYTES), self.timeout_s)
            rc = await asyncio.wait_for(proc.wait(), self.timeout_s)
        except asyncio.CancelledError:  # the daemon is exiting: leave nothing behind
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            self.log.log(
                Level.ERROR,
                f"hook {hook.name} {event.name} {event.node}: timed out after "
                f"{self.timeout_s:g}s; killed",
            )
            return
        for line in output.decode("utf-8", "replace").splitlines()[:MAX_OUTPUT_LINES]:
            self.log.info(f"hook {hook.name}: {line}")
        if rc != 0:
            self.log.log(Level.WARN, f"hook {hook.name} {event.name} {event.node}: exit {rc}")

    async def close(self, wait_s: float = 5.0) -> None:
        """Let queued hooks finish (bounded), then stop."""
        if self.task is None:
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self.task), wait_s)
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
