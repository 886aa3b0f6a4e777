"""A real Heartbeat 3.0.6 node inside a lab host (EDGE: runs unshare/nsenter/heartbeat).

Each node runs in its host's network namespace plus its own mount and UTS namespaces
(``unshare --mount --uts --propagation private``): hostname = node name, and private
copies bind-mounted over ``/etc/ha.d`` (the shipped tree + the given ha.cf, haresources,
authkeys, scripts), ``/var/lib/heartbeat`` (fresh) and ``/run`` (fresh on every start, so
a stale ``/run/heartbeat.pid`` never blocks a restart).  The host's own Heartbeat files
are never written.

The launcher is a shell that sets this up and then ``exec``s ``heartbeat -f``, so the
PID we hold is Heartbeat's master.  Heartbeat forks helpers; all of them — and nothing
else — share the launcher's mount namespace, which is how :meth:`pids`, :meth:`kill`
and cleanup find them (by PID).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.lab import procs
from tests.lab.netns import Host, Lab, run_cmd
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

HEARTBEAT = "/usr/libexec/heartbeat/heartbeat"
SHIPPED_HA_D = Path("/etc/ha.d")
SHIPPED_VAR_LIB = Path("/var/lib/heartbeat")
DEFAULT_AUTHKEYS = "auth 1\n1 sha1 ha-agents-lab-secret\n"
_NODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")
_SCRIPT_RE = re.compile(r"^(?:[A-Za-z0-9_.\-]+/)?[A-Za-z0-9_.\-]+$")


def _ids() -> tuple[int, int]:
    try:
        return pwd.getpwnam("hacluster").pw_uid, grp.getgrnam("haclient").gr_gid
    except KeyError:
        raise LabError(
            "user hacluster / group haclient missing: install the heartbeat package"
        ) from None


def _has_directive(ha_cf: str, name: str) -> bool:
    return any(
        line.split()[:1] == [name]
        for line in ha_cf.splitlines()
        if not line.lstrip().startswith("#")
    )


class HeartbeatNode:
    """Real Heartbeat on a lab host.  Create with :meth:`Lab.add_heartbeat_node`."""

    def __init__(
        self,
        lab: Lab,
        host: Host,
        node: str,
        ha_cf: str,
        haresources: str = "",
        authkeys: str = DEFAULT_AUTHKEYS,
        scripts: Mapping[str, str] | None = None,
    ) -> None:
        if not Path(HEARTBEAT).exists():
            raise LabError(f"{HEARTBEAT} missing: install the Debian heartbeat package")
        if not _NODE_RE.match(node):
            raise LabError(f"bad node name {node!r}")
        self.lab = lab
        self.host = host
        self.node = node
        self.root = lab.tmpdir / f"hb-{node}"
        if self.root.exists():
            raise LabError(f"a heartbeat node {node!r} already exists in this lab")
        self.etc = self.root / "etc-ha.d"
        self.var_lib = self.root / "var-lib-heartbeat"
        self.run_dir = self.root / "run"
        self.logfile = self.root / "ha-log"
        self.debugfile = self.root / "ha-debug"
        self.stderr_file = self.root / "stderr"
        self._proc: subprocess.Popen[bytes] | None = None
        self._mnt_inode: int | None = None
        # An open fd on the node's mount namespace keeps that namespace (and so its
        # inode number) reserved: pids() can never match an unrelated namespace that
        # reused the number after the node died.
        self._mnt_fd: int | None = None
        self._prepare(ha_cf, haresources, authkeys, dict(scripts or {}))
        lab.on_close(self._on_lab_close)

    def __repr__(self) -> str:
        return f"HeartbeatNode({self.node!r} on {self.host.name}, pid={self.pid})"

    # -- the private trees ------------------------------------------------------------
    def _prepare(
        self, ha_cf: str, haresources: str, authkeys: str, scripts: dict[str, str]
    ) -> None:
        uid, gid = _ids()
        self.root.mkdir(mode=0o755)
        shutil.copytree(SHIPPED_HA_D, self.etc, symlinks=True)
        if not _has_directive(ha_cf, "logfile"):
            ha_cf = ha_cf.rstrip("\n") + f"\nlogfile {self.logfile}\n"
        if not _has_directive(ha_cf, "debugfile"):
            ha_cf = ha_cf.rstrip("\n") + f"\ndebugfile {self.debugfile}\n"
        for path in (self.logfile, self.debugfile):
            path.touch(mode=0o664)
            os.chown(path, uid, gid)
        (self.etc / "ha.cf").write_text(ha_cf, encoding="utf-8")
        (self.etc / "haresources").write_text(haresources, encoding="utf-8")
        keys = self.etc / "authkeys"
        keys.write_text(authkeys, encoding="utf-8")
        keys.chmod(0o600)
        for name, text in scripts.items():
            if not _SCRIPT_RE.match(name) or ".." in name.split("/"):
                raise LabError(f"bad script name {name!r} (NAME for resource.d, or DIR/NAME)")
            target = self.etc / (name if "/" in name else f"resource.d/{name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            target.chmod(0o755)
        # /var/lib/heartbeat: the package's directory skeleton, none of its state files
        self.var_lib.mkdir()
        self._copy_owner(SHIPPED_VAR_LIB, self.var_lib)
        if SHIPPED_VAR_LIB.is_dir():
            for src in sorted(SHIPPED_VAR_LIB.rglob("*")):
                if src.is_dir() and not src.is_symlink():
                    dst = self.var_lib / src.relative_to(SHIPPED_VAR_LIB)
                    dst.mkdir(parents=True, exist_ok=True)
                    self._copy_owner(src, dst)

    @staticmethod
    def _copy_owner(src: Path, dst: Path) -> None:
        try:
            st = src.stat()
        except OSError:
            return
        os.chown(dst, st.st_uid, st.st_gid)
        dst.chmod(st.st_mode & 0o7777)

    def _fresh_run_dir(self) -> None:
        uid, gid = _ids()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir(mode=0o755)
        hb = self.run_dir / "heartbeat"
        for sub in ("", "ccm", "crm", "dopd", "rsctmp"):
            d = hb / sub
            d.mkdir(mode=0o750, exist_ok=True)
            os.chown(d, uid, gid)
        (self.run_dir / "resource-agents").mkdir(mode=0o755)
        lock = self.run_dir / "lock"
        lock.mkdir()
        lock.chmod(0o1777)

    def _setup_script(self) -> str:
        q = shlex.quote
        return "; ".join(
            [
                "set -e",
                f"hostname {q(self.node)}",
                f"mount --bind {q(str(self.etc))} /etc/ha.d",
                f"mount --bind {q(str(self.var_lib))} /var/lib/heartbeat",
                f"mount --bind {q(str(self.run_dir))} /run",
            ]
        )

    def _fresh_ns_argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` in a new mount+UTS namespace set up like the node's (node not running)."""
        script = self._setup_script() + "; exec " + " ".join(shlex.quote(a) for a in argv)
        return self.host.argv(
            ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", script]
        )

    # -- lifecycle --------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The master's PID while it runs."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        return None

    def start(self, wait: float = 10.0) -> None:
        """Launch ``heartbeat -f``; return once it runs in its private namespaces."""
        if self.pids():
            raise LabError(f"heartbeat node {self.node} is already running")
        self._hold_mnt_ns(None)
        self._fresh_run_dir()
        marker = self.root / "launched"
        marker.unlink(missing_ok=True)
        script = self._setup_script() + f"; : > {shlex.quote(str(marker))}; exec {HEARTBEAT} -f"
        with open(self.stderr_file, "ab") as err:
            self._proc = self.host.popen(
                ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", script],
                stdout=err,
                stderr=err,
            )
        proc = self._proc
        if not wait_until(lambda: marker.exists() or proc.poll() is not None, timeout=wait):
            raise LabError(f"heartbeat node {self.node}: launcher did not start in {wait}s")
        if proc.poll() is not None:
            raise LabError(
                f"heartbeat node {self.node} exited at once (rc {proc.returncode}): "
                + self.stderr_file.read_text(errors="replace")[-2000:]
            )
        self._hold_mnt_ns(proc.pid)

    def _hold_mnt_ns(self, pid: int | None) -> None:
        if self._mnt_fd is not None:
            os.close(self._mnt_fd)
            self._mnt_fd = None
            self._mnt_inode = None
        if pid is not None:
            self._mnt_fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            self._mnt_inode = os.fstat(self._mnt_fd).st_ino

    def pids(self) -> list[int]:
        """Every live process of this node (those in its mount namespace), by PID."""
        if self._mnt_inode is None:
            return []
        return [p for p in procs.pids_in_ns("mnt", self._mnt_inode) if procs.alive(p)]

    def running(self) -> bool:
        return bool(self.pids())

    def kill(self, sig: int = signal.SIGKILL) -> list[int]:
        """Send ``sig`` to every process of the node (SIGKILL: power loss; SIGSTOP: hang)."""
        pids = procs.send_all(self.pids(), sig)
        if sig == signal.SIGKILL:
            procs.wait_gone(pids, 5.0)
            self._reap()
        return pids

    def stop(self, timeout: float = 20.0) -> bool:
        """Orderly stop: SIGTERM to the master, wait.  False (and SIGKILL) if too slow."""
        if self._proc is None or not self.pids():
            return True
        for pid in self.pids():
            procs.send(pid, signal.SIGCONT)
        if self.pid is not None:  # the master, not yet reaped: the PID is still ours
            procs.send(self.pid, signal.SIGTERM)
        if wait_until(lambda: not self.pids(), timeout=timeout, interval=0.05):
            self._reap()
            return True
        self.kill(signal.SIGKILL)
        return False

    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2.0)

    def _on_lab_close(self) -> None:
        if self._mnt_inode is not None:
            pids = self.pids()
            for pid in pids:
                procs.send(pid, signal.SIGCONT)
            procs.terminate(pids, grace=0.5)
            self._reap()
        self._hold_mnt_ns(None)

    # -- inside the node --------------------------------------------------------------
    def run_in(
        self, argv: Sequence[str], check: bool = False, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the node's namespaces (e.g. hb_standby, cl_status).

        While the node runs: ``nsenter`` into its mount, UTS and network namespaces.
        When it does not: a fresh namespace set up identically (cl_status then says
        "Heartbeat is stopped").
        """
        pids = self.pids()
        if pids:
            target = self.pid or pids[0]
            cmd = ["nsenter", "-t", str(target), "-m", "-u", "-n", *argv]
        else:
            cmd = self._fresh_ns_argv(argv)
        return run_cmd(cmd, check=check, timeout=timeout)

    def cl_status(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        return self.run_in(["cl_status", *args], timeout=timeout)

    def nodestatus(self, node: str) -> str:
        """``cl_status nodestatus NODE`` stdout ("active", "dead", ...) or "" on error."""
        return self.cl_status("nodestatus", node).stdout.strip()

    # -- logs -------------------------------------------------------------------------
    def log(self) -> str:
        return self.logfile.read_text(encoding="utf-8", errors="replace")

    def debug_log(self) -> str:
        return self.debugfile.read_text(encoding="utf-8", errors="replace")

    def log_mark(self) -> int:
        """Current log length: pass as ``since`` to wait only for newer lines."""
        return len(self.log())

    def wait_log(self, regex: str, timeout: float, since: int = 0) -> re.Match[str] | None:
        """Wait (bounded) for ``regex`` in the log after offset ``since``; the match or None."""
        pattern = re.compile(regex, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.log(), since)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.05)


def make_ha_cf(
    nodes: Mapping[str, str],
    *,
    keepalive: str = "100ms",
    warntime: str | None = None,
    deadtime: str = "500ms",
    initdead: str | None = None,
    udpport: int = 694,
    media: str = "ucast",
    ifname: str = "eth0",
    auto_failback: str = "on",
    extra: str = "",
) -> str:
    """A Heartbeat ha.cf for ``nodes`` (node name -> address) on one lab link.

    ``media``: "ucast" (one line per node address), "bcast", or "mcast" (233.252.0.1).
    """
    lines = [f"keepalive {keepalive}"]
    if warntime:
        lines.append(f"warntime {warntime}")
    lines += [f"deadtime {deadtime}", f"initdead {initdead or deadtime}", f"udpport {udpport}"]
    if media == "ucast":
        lines += [f"ucast {ifname} {addr}" for addr in nodes.values()]
    elif media == "bcast":
        lines.append(f"bcast {ifname}")
    elif media == "mcast":
        lines.append(f"mcast {ifname} 233.252.0.1 {udpport} 1 0")
    else:
        raise LabError(f"unknown media {media!r} (ucast, bcast, mcast)")
    lines.append(f"auto_failback {auto_failback}")
    lines += [f"node {name}" for name in nodes]
    if extra:
        lines.append(extra.rstrip("\n"))
    return "\n".join(lines) + "\n"
