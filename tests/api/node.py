"""An ha_agents node as a drop-in for Heartbeat on a lab host (EDGE, tests only).

Like ``tests.lab.heartbeat.HeartbeatNode``, the daemon runs in its host's network
namespace plus its own mount and UTS namespaces: hostname = node name, a private
``/run`` (so ``/run/heartbeat/register``, the path compiled into Heartbeat's client
library, is this node's), and ``ha-agents run --run-dir /run/heartbeat``.  Real
Heartbeat programs (cl_status, ipfail, api_test, dopd) run inside with ``run_in``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from tests.lab import procs
from tests.lab.command import ha_agents
from tests.lab.heartbeat import DEFAULT_AUTHKEYS
from tests.lab.netns import Host, Lab, run_cmd
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

RUN_DIR = "/run/heartbeat"


class AgentsNode:
    def __init__(
        self,
        lab: Lab,
        host: Host,
        node: str,
        ha_cf: str,
        haresources: str = "",
        authkeys: str = DEFAULT_AUTHKEYS,
    ) -> None:
        self.lab, self.host, self.node = lab, host, node
        self.root = lab.tmpdir / f"ha-{node}"
        self.etc = self.root / "etc"
        self.state = self.root / "state"
        self.run_dir = self.root / "run"
        self.logfile = self.root / "ha-log"
        self.output = self.root / "output"
        for d in (self.etc, self.state, self.run_dir):
            d.mkdir(mode=0o755, parents=True, exist_ok=True)
        (self.etc / "ha.cf").write_text(ha_cf.rstrip("\n") + f"\nlogfile {self.logfile}\n")
        (self.etc / "haresources").write_text(haresources)
        keys = self.etc / "authkeys"
        keys.write_text(authkeys)
        keys.chmod(0o600)
        self.logfile.touch(mode=0o644)
        self._proc: subprocess.Popen[bytes] | None = None
        self._mnt_fd: int | None = None
        self._mnt_inode: int | None = None
        lab.on_close(self._on_lab_close)

    def _script(self) -> str:
        q = shlex.quote
        argv = ha_agents(
            "run", "--config-dir", str(self.etc), "--node", self.node,
            "--state-dir", str(self.state), "--run-dir", RUN_DIR,
        )  # fmt: skip
        return "; ".join(
            [
                "set -e",
                f"hostname {q(self.node)}",
                f"mount --bind {q(str(self.run_dir))} /run",
                "mkdir -p /run/heartbeat /run/resource-agents /run/lock",
                "exec " + " ".join(q(a) for a in argv),
            ]
        )

    def start(self) -> None:
        if self.pids():
            raise LabError(f"ha_agents node {self.node} is already running")
        shell = ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c"]
        with open(self.output, "ab") as out:
            self._proc = self.host.popen([*shell, self._script()], stdout=out, stderr=out)
        proc = self._proc
        sock = self.run_dir / "heartbeat" / "register"
        if not wait_until(lambda: sock.exists() or proc.poll() is not None, timeout=15):
            raise LabError(f"{self.node}: no API socket in 15 s: {self.tail()}")
        if proc.poll() is not None:
            raise LabError(f"{self.node} exited (rc {proc.returncode}): {self.tail()}")
        self._hold(proc.pid)

    def _hold(self, pid: int | None) -> None:
        if self._mnt_fd is not None:
            os.close(self._mnt_fd)
            self._mnt_fd = self._mnt_inode = None
        if pid is not None:
            self._mnt_fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            self._mnt_inode = os.fstat(self._mnt_fd).st_ino

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def pids(self) -> list[int]:
        if self._mnt_inode is None:
            return []
        return [p for p in procs.pids_in_ns("mnt", self._mnt_inode) if procs.alive(p)]

    def child_pid(self, name: str) -> int | None:
        """PID of a client program (e.g. "ipfail") of this node."""
        for pid in self.pids():
            with contextlib.suppress(OSError):
                argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
                if argv0.decode(errors="replace").endswith("/" + name):
                    return pid
        return None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM; the daemon's exit code (None if it had to be killed)."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            procs.send(proc.pid, signal.SIGTERM)
            if not wait_until(lambda: proc.poll() is not None, timeout, interval=0.05):
                self.kill()
                return None
        self._finish()
        return proc.returncode

    def kill(self, sig: int = signal.SIGKILL) -> None:
        pids = self.pids()
        procs.send_all(pids, sig)
        if sig == signal.SIGKILL:
            procs.wait_gone(pids, 5.0)
            self._finish()

    def _finish(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
        procs.terminate(self.pids(), grace=0.5)

    def _on_lab_close(self) -> None:
        pids = self.pids()
        procs.send_all(pids, signal.SIGCONT)
        procs.terminate(pids, grace=1.0)
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2)
        self._hold(None)

    def exited(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    # -- inside the node ------------------------------------------------------------
    def run_in(
        self, argv: Sequence[str], timeout: float = 30, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        target = self.pid or (self.pids() or [0])[0]
        if not target:
            raise LabError(f"{self.node} is not running")
        return run_cmd(
            ["nsenter", "-t", str(target), "-m", "-u", "-n", *argv], check=check, timeout=timeout
        )

    def popen_in(self, argv: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``argv`` inside the node (nsenter execs it: the PID is the program's);
        its output goes to ``log``.  The lab kills it at close (it is in a lab netns)."""
        target = self.pid
        if target is None:
            raise LabError(f"{self.node} is not running")
        with open(log, "ab") as out:
            return subprocess.Popen(
                ["nsenter", "-t", str(target), "-m", "-u", "-n", *argv],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def cl_status(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        """The real /usr/bin/cl_status, inside the node."""
        return self.run_in(["cl_status", *args], timeout=timeout)

    def status(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        """``ha-agents status ARGS`` inside the node."""
        return self.run_in(ha_agents("status", *args), timeout=timeout)

    def log(self) -> str:
        return self.logfile.read_text(encoding="utf-8", errors="replace")

    def tail(self) -> str:
        text = ""
        for path in (self.output, self.logfile):
            if path.exists():
                text += path.read_text(errors="replace")[-2000:]
        return text

    def wait_log(self, regex: str, timeout: float, since: int = 0) -> re.Match[str] | None:
        pattern = re.compile(regex, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.log(), since)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.05)
