"""Processes for agents: run a command with a deadline, start and stop daemons (edge).

Commands are argv lists, never shell strings.  Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ha_agents.agent.results import GenericError, NotInstalled
from ha_agents.agent.wait import wait_until

NOT_FOUND_RC = 127


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Outcome of :func:`run_command`: exit code, output, whether the deadline hit."""

    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def describe(self) -> str:
        what = "timed out" if self.timed_out else f"exited {self.rc}"
        tail = (self.stderr or self.stdout).strip().splitlines()[-1:] or [""]
        return f"{' '.join(self.argv)} {what}" + (f": {tail[0]}" if tail[0] else "")


def run_command(
    argv: Sequence[str],
    timeout: float = 30.0,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    input_text: str | None = None,
    check: bool = False,
) -> CommandResult:
    """Run ``argv`` (no shell) and wait at most ``timeout`` seconds.

    The command runs in its own process group; on timeout the whole group is killed
    (SIGTERM, then SIGKILL after a second).  A missing program gives rc 127.
    With ``check=True`` a failure raises :class:`NotInstalled` (rc 127) or
    :class:`GenericError` (anything else) carrying :meth:`CommandResult.describe`.
    """
    args = tuple(str(a) for a in argv)
    if not args:
        raise ValueError("run_command: empty argv")
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    except (FileNotFoundError, PermissionError) as exc:
        result = CommandResult(args, NOT_FOUND_RC, "", f"{args[0]}: {exc.strerror}")
        if check:
            raise NotInstalled(result.describe()) from None
        return result
    timed_out = False
    try:
        out, err = proc.communicate(input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=1.0)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
    result = CommandResult(args, proc.returncode, out or "", err or "", timed_out)
    if check and not result.ok:
        raise GenericError(result.describe())
    return result


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return False
    state = stat.rpartition(")")[2].split()[:1]
    return state != ["Z"]


def spawn_daemon(
    argv: Sequence[str],
    *,
    log_path: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str = "/",
) -> int:
    """Start a program that does not daemonize itself; return its pid.

    It runs in a new session (no controlling terminal, survives the agent), with stdin
    from /dev/null and stdout/stderr appended to ``log_path`` (or /dev/null).  Record
    the pid with :class:`~ha_agents.agent.PidFile` and check it with ``monitor``.
    """
    args = [str(a) for a in argv]
    out = open(log_path, "ab") if log_path else open(os.devnull, "wb")  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    except (FileNotFoundError, PermissionError) as exc:
        raise NotInstalled(f"cannot run {args[0]}: {exc.strerror}") from None
    finally:
        out.close()
    proc.returncode = 0  # never waited for: it outlives the agent on purpose
    return proc.pid


def terminate(pid: int | None, timeout: float = 10.0, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Send ``sig``, wait up to ``timeout`` s for the process to go, then SIGKILL.

    Returns True when the process is gone (also when it was already gone, or ``pid`` is
    None, so ``terminate(PidFile(path).alive())`` reads naturally).
    """
    if pid is None or not pid_alive(pid):
        return True
    try:
        os.kill(pid, sig)
        os.kill(pid, signal.SIGCONT)  # a stopped process must run to handle the signal
    except ProcessLookupError:
        return True
    if wait_until(lambda: not pid_alive(pid), timeout, 0.05):
        return True
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    return wait_until(lambda: not pid_alive(pid), 5.0, 0.05)
