"""EDGE: run scripts asynchronously, with timeouts that kill the whole process tree.

``ScriptRunner`` is the port the group logic and the daemon use; :class:`AsyncScriptRunner`
is the real one: ``asyncio.create_subprocess_exec`` with an argv list (never a shell), its
own session (so the tree can be found and killed), bounded output capture (a script that
prints gigabytes costs at most ``limit`` bytes per stream), and a per-call timeout after
which the script and every descendant get SIGTERM, then SIGKILL.

A script that exits but leaves a child holding its stdout (a daemon that did not redirect
it) does not hang the caller: the result is returned ``drain_grace`` seconds after the
exit, and the pipe is then drained and discarded in the background for as long as the child
keeps it open (Heartbeat gave scripts a file; closing a pipe would kill such a daemon with
SIGPIPE).  The child itself is left alone: starting a daemon is what ``start`` is for.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ha_agents.resources.outcome import RunResult, ScriptRunner

if TYPE_CHECKING:  # psutil (2.6 MB) is imported only when a script must be killed
    import psutil

__all__ = ["AsyncScriptRunner", "RunResult", "ScriptRunner", "kill_tree"]

DEFAULT_LIMIT = 256 * 1024


def _still_alive(procs: list[psutil.Process], grace: float) -> list[psutil.Process]:
    """Those of ``procs`` still running after ``grace`` seconds (zombies count as gone).

    Polls instead of ``psutil.wait_procs``, which would reap our own child and steal its
    exit status from asyncio.
    """
    import psutil

    deadline = time.monotonic() + grace
    while True:
        alive = []
        for p in procs:
            with contextlib.suppress(psutil.Error):
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)


class _Capture:
    """Keep the first ``limit`` bytes of a stream, count the rest, keep reading."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0

    def stop_keeping(self) -> None:
        """The result has been taken: discard whatever still arrives."""
        self.limit = 0

    async def pump(self, stream: asyncio.StreamReader) -> None:
        while True:
            chunk = await stream.read(65536)
            if not chunk:
                return
            room = self.limit - self.kept
            if room > 0:
                self.chunks.append(chunk[:room])
                self.kept += min(room, len(chunk))
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        out = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.dropped:
            out += f"\n[ha_agents: {self.dropped} more bytes of output dropped]\n"
        return out


def kill_tree(pid: int, grace: float = 1.0) -> list[int]:
    """SIGTERM ``pid``, its descendants and its process group; SIGKILL what is left.

    Returns the PIDs signalled.  Only processes below ``pid`` (which we started in its own
    session) are touched.
    """
    if pid <= 1 or pid == os.getpid():
        return []
    import psutil

    procs: list[psutil.Process] = []
    try:
        root = psutil.Process(pid)
        if root.ppid() != os.getpid():
            return []  # not our child (already reaped and reused, or not a real process)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    own_group = False
    with contextlib.suppress(OSError):
        own_group = os.getpgid(pid) == pid and pid != os.getpgrp()
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.send_signal(signal.SIGTERM)
    if own_group:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
    for p in _still_alive(procs, grace):
        with contextlib.suppress(psutil.Error):
            p.kill()
    if own_group:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    return [p.pid for p in procs]


def _not_started(cmd: str, exc: OSError, duration: float) -> RunResult:
    if isinstance(exc, FileNotFoundError):
        msg, rc = f"{cmd}: no such file", 127
    elif isinstance(exc, PermissionError):
        msg, rc = f"{cmd}: not executable (permission denied)", 126
    else:
        msg, rc = f"{cmd}: cannot execute ({exc.strerror or exc})", 126
    return RunResult(rc, "", msg, duration=duration, error=msg)


class AsyncScriptRunner:
    """The real :class:`ScriptRunner`."""

    def __init__(
        self, limit: int = DEFAULT_LIMIT, drain_grace: float = 0.2, kill_grace: float = 1.0
    ) -> None:
        self.limit = limit
        self.drain_grace = drain_grace
        self.kill_grace = kill_grace
        self._drainers: set[asyncio.Future[None]] = set()

    def _drained(self, pump: asyncio.Future[None], *, transport: asyncio.BaseTransport) -> None:
        self._drainers.discard(pump)
        transport.close()

    @property
    def draining(self) -> int:
        """How many pipes of exited scripts are still held open by their children."""
        return len(self._drainers)

    async def aclose(self) -> None:
        """Stop draining (at shutdown): those children see EOF/SIGPIPE from now on."""
        for pump in list(self._drainers):
            pump.cancel()
        await asyncio.gather(*self._drainers, return_exceptions=True)

    async def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        timeout: float,
        cwd: str | None = None,
    ) -> RunResult:
        started = time.monotonic()
        if not argv:
            return RunResult(127, "", "empty command", error="empty command")
        # Our own pipes, not asyncio's: Process.wait() then returns when the script exits,
        # even if a child it left behind still holds the write end.
        out_r, out_fd = os.pipe()
        err_r, err_fd = os.pipe()
        out_w = os.fdopen(out_fd, "wb", buffering=0)
        err_w = os.fdopen(err_fd, "wb", buffering=0)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            os.close(out_r)
            os.close(err_r)
            return _not_started(argv[0], exc, time.monotonic() - started)
        finally:
            out_w.close()
            err_w.close()
        out, err = _Capture(self.limit), _Capture(self.limit)
        transports, pumps = await self._read_pipes(((out_r, out), (err_r, err)))
        rc, timed_out = await self._wait(proc, timeout, transports, pumps)
        await self._settle(transports, pumps)
        out.stop_keeping()
        err.stop_keeping()
        return RunResult(
            rc,
            out.text(),
            err.text(),
            timed_out=timed_out,
            duration=time.monotonic() - started,
        )

    async def _read_pipes(
        self, pipes: Sequence[tuple[int, _Capture]]
    ) -> tuple[list[asyncio.BaseTransport], list[asyncio.Future[None]]]:
        loop = asyncio.get_running_loop()
        transports: list[asyncio.BaseTransport] = []
        pumps: list[asyncio.Future[None]] = []
        for fd, cap in pipes:
            reader = asyncio.StreamReader(limit=1 << 20)
            transport, _ = await loop.connect_read_pipe(
                lambda r=reader: asyncio.StreamReaderProtocol(r),  # type: ignore[misc]
                os.fdopen(fd, "rb", buffering=0),
            )
            transports.append(transport)
            pumps.append(asyncio.ensure_future(cap.pump(reader)))
        return transports, pumps

    async def _wait(
        self,
        proc: asyncio.subprocess.Process,
        timeout: float,
        transports: Sequence[asyncio.BaseTransport],
        pumps: Sequence[asyncio.Future[None]],
    ) -> tuple[int, bool]:
        """The script's exit code, and whether it was killed at ``timeout`` (its whole
        process tree)."""
        try:
            return await asyncio.wait_for(proc.wait(), timeout), False
        except TimeoutError:
            await asyncio.to_thread(kill_tree, proc.pid, self.kill_grace)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            return await proc.wait(), True
        except asyncio.CancelledError:
            await asyncio.to_thread(kill_tree, proc.pid, self.kill_grace)
            for t in pumps:
                t.cancel()
            for tr in transports:
                tr.close()
            raise

    async def _settle(
        self,
        transports: Sequence[asyncio.BaseTransport],
        pumps: Sequence[asyncio.Future[None]],
    ) -> None:
        _, pending = await asyncio.wait(pumps, timeout=self.drain_grace)
        for pump, pipe in zip(pumps, transports, strict=True):
            if pump in pending:
                # A child of the script still holds the pipe.  Closing our end would kill it
                # with SIGPIPE at its next write (Heartbeat gave scripts a file); keep
                # reading and discarding until it closes the pipe.
                self._drainers.add(pump)
                pump.add_done_callback(functools.partial(self._drained, transport=pipe))
            else:
                pipe.close()
