"""EDGE: ha.cf ``respawn USER COMMAND`` and ``failfast USER COMMAND`` clients, as
Heartbeat 3.0.6 runs them (docs/daemon.md, "Client programs"; facts in docs/api.md):

* started once the cluster is up (our status goes ``active``), in ha.cf order, each
  as ``/bin/sh -c "exec COMMAND"`` with USER's uid, primary gid and groups, in its own
  process group, stdin/stdout/stderr on /dev/null; logged ``Starting child client
  "COMMAND" (UID,GID)`` and ``Starting "COMMAND" as uid UID  gid GID (pid PID)``;
* restarted when it exits (``Respawning client "COMMAND":``), unless it exits 100 or
  the daemon is stopping; a client that died within 30 s of its start more than 10
  times in a row is left dead (``Client COMMAND "respawning too fast"``), and after a
  quick death the restart waits 1 s;
* stopped at shutdown, last first, with SIGTERM to its process group (``killing
  COMMAND process group PID with signal 15``), SIGKILL after ``STOP_WAIT_S``;
* ``failfast``: an abnormal exit (a signal, or a non-zero code outside shutdown) ends
  the daemon (``on_failfast``); Heartbeat reboots the machine instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import signal
from collections.abc import Callable
from dataclasses import dataclass

from ha_agents.daemon.logsetup import HbLog
from ha_agents.membership.actions import Level

SHORT_S = 30.0  # a death within this of the start is "short"
MAX_SHORT = 10  # more short deaths in a row than this: give up
NO_RESPAWN_RC = 100
STOP_WAIT_S = 10.0


@dataclass(slots=True)
class Child:
    user: str
    command: str  # as written: program and arguments
    failfast: bool
    proc: asyncio.subprocess.Process | None = None
    started: float = 0.0
    short: int = 0
    task: asyncio.Task[None] | None = None

    @property
    def path(self) -> str:
        return self.command.split()[0]


class Respawner:
    def __init__(self, children: list[Child], log: HbLog, on_failfast: Callable[[str], None]):
        self.children = children
        self.log = log
        self.on_failfast = on_failfast
        self.stopping = False
        self.started = False

    def start_all(self) -> None:
        if self.started or self.stopping:
            return
        self.started = True
        for child in self.children:
            self._launch(child, delay=0.0)

    def _launch(self, child: Child, delay: float) -> None:
        child.task = asyncio.get_running_loop().create_task(self._run(child, delay))

    def _ids(self, child: Child) -> tuple[int, int, list[int]] | None:
        try:
            pw = pwd.getpwnam(child.user)
        except KeyError:
            self.log.log(Level.ERROR, f"Invalid uid [{child.user}] specified for client child")
            return None
        groups = [g.gr_gid for g in grp.getgrall() if pw.pw_name in g.gr_mem]
        return pw.pw_uid, pw.pw_gid, sorted({pw.pw_gid, *groups})

    async def _run(self, child: Child, delay: float) -> None:
        ids = self._ids(child)
        if ids is None:
            return
        uid, gid, groups = ids
        self.log.info(f'Starting child client "{child.command}" ({uid},{gid})')
        if not os.access(child.path, os.X_OK):
            self.log.log(Level.ERROR, f"Cannot exec {child.command}: not an executable file")
            return
        if delay:
            await asyncio.sleep(delay)
        if self.stopping:
            return
        try:
            proc = await asyncio.create_subprocess_exec(
                "/bin/sh", "-c", f"exec {child.command}",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, user=uid, group=gid, extra_groups=groups,
                process_group=0, close_fds=True,
            )  # fmt: skip
        except OSError as exc:
            self.log.log(Level.ERROR, f"Cannot exec {child.command}: {exc.strerror or exc}")
            return
        child.proc = proc
        child.started = asyncio.get_running_loop().time()
        self.log.info(f'Starting "{child.command}" as uid {uid}  gid {gid} (pid {proc.pid})')
        rc = await proc.wait()
        self._died(child, proc.pid, rc)

    def _died(self, child: Child, pid: int, rc: int) -> None:
        child.proc = None
        level = Level.DEBUG if self.stopping else Level.ERROR
        if rc > 0:
            self.log.log(level, f"Client {child.command} exited with return code {rc}.")
        elif rc < 0:
            self.log.log(level, f"Client {child.command} (pid={pid}) killed by signal {-rc}.")
        if child.failfast and not self.stopping and rc != 0:
            self.log.log(Level.CRIT, f"failfast client {child.command} died: stopping ha_agents")
            self.on_failfast(child.command)
            return
        if self.stopping or rc == NO_RESPAWN_RC:
            return
        now = asyncio.get_running_loop().time()
        child.short = child.short + 1 if now < child.started + SHORT_S else 0
        if child.short > MAX_SHORT:
            self.log.log(Level.ERROR, f'Client {child.command} "respawning too fast"')
            child.short = 0
            return
        self.log.log(Level.ERROR, f'Respawning client "{child.command}":')
        self._launch(child, delay=1.0 if child.short > 0 else 0.0)

    def status(self) -> list[dict[str, object]]:
        return [
            {
                "command": c.command,
                "user": c.user,
                "failfast": c.failfast,
                "pid": c.proc.pid if c.proc is not None else None,
            }
            for c in self.children
        ]

    async def stop_all(self) -> None:
        """Shutdown: SIGTERM each running client (last first) and wait for it."""
        self.stopping = True
        for child in reversed(self.children):
            proc = child.proc
            if proc is None or proc.returncode is not None:
                continue
            sig = int(signal.SIGTERM)
            self.log.info(f"killing {child.command} process group {proc.pid} with signal {sig}")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), STOP_WAIT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        for child in self.children:
            if child.task is not None and not child.task.done():
                child.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await child.task
