"""Find and signal processes by PID: by namespace inode, by process group.

The lab never kills by name (no pkill/killall): every process it stops is found
through something it created — a tracked Popen, a network namespace it made, or
the mount namespace of a node it launched — and is signalled by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path


def ns_inode(path: str) -> int | None:
    """The inode of a namespace file (/run/netns/X or /proc/PID/ns/net), or None."""
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def pids_in_ns(kind: str, inode: int) -> list[int]:
    """PIDs of every process whose /proc/PID/ns/<kind> is the namespace ``inode``."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        if ns_inode(f"/proc/{entry.name}/ns/{kind}") == inode:
            found.append(int(entry.name))
    return found


def pids_in_group(pgid: int) -> list[int]:
    """Live PIDs whose process group is ``pgid`` (a group the lab created)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return bool(fields) and fields[0] not in ("Z", "X")


def start_time(pid: int) -> int | None:
    """The kernel start time of ``pid`` (clock ticks since boot): tells PID reuse apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def send(pid: int, sig: int) -> bool:
    """Signal one PID; False if it is already gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def send_all(pids: Iterable[int], sig: int) -> list[int]:
    """Signal every PID; for SIGKILL, SIGSTOP them all first.

    Freezing first makes a kill instantaneous for the whole set, like a power loss: no
    process sees another one die (parent-death signals, SIGCHLD) and reacts — e.g. a
    child sending a "shutting down" packet — before its own SIGKILL arrives.
    """
    targets = list(pids)
    if sig == signal.SIGKILL:
        for pid in targets:
            send(pid, signal.SIGSTOP)
    for pid in targets:
        send(pid, sig)
    return targets


def send_group(pgid: int, sig: int) -> bool:
    """Signal a process group we created (start_new_session); False if it is gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait (bounded) until none of ``pids`` is alive; return those still alive."""
    remaining = [p for p in pids if alive(p)]
    deadline = time.monotonic() + timeout
    while remaining and time.monotonic() < deadline:
        time.sleep(0.02)
        remaining = [p for p in remaining if alive(p)]
    return remaining


def terminate(pids: Iterable[int], grace: float = 3.0) -> None:
    """SIGTERM each PID, wait up to ``grace`` seconds, then SIGKILL the rest.

    A PID is only SIGKILLed if it still has the start time it had when we sent SIGTERM,
    so a PID reused by an unrelated process in the meantime is left alone.
    """
    started = {p: start_time(p) for p in pids if p != os.getpid()}
    for pid in started:
        send(pid, signal.SIGTERM)
        send(pid, signal.SIGCONT)  # a stopped (hung) process acts on SIGTERM only now
    for pid in wait_gone(started, grace):
        if started[pid] is not None and start_time(pid) == started[pid]:
            send(pid, signal.SIGKILL)
    wait_gone(started, 2.0)


class Group:
    """The process group of a child we started with ``start_new_session`` (leader = child).

    The leader is not reaped until no member of its group is left: while it is an
    unreaped zombie its PID — the group's ID — cannot be reused, so :meth:`pids` never
    names an unrelated process group.
    """

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self._done = False

    def pids(self) -> list[int]:
        if self._done or self.proc.returncode is not None:
            return []
        members = pids_in_group(self.proc.pid)
        if not members:
            # the leader is a zombie (or gone) and nobody is left: reap, then forget
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2.0)
            self._done = True
        return members

    def signal(self, sig: int) -> list[int]:
        """Signal every live member by PID; returns them."""
        return send_all(self.pids(), sig)
