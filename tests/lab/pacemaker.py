"""A real Pacemaker 2.1 + Corosync 3 node inside a lab host (EDGE: unshare/nsenter/daemons).

Each node runs in its host's network namespace plus its own mount and UTS namespaces
(``unshare --mount --uts --propagation private``): hostname = node name, and private
directories bind-mounted over ``/etc/corosync`` (the given corosync.conf + authkey),
``/var/lib/corosync``, ``/var/lib/pacemaker`` (the package's skeleton, kept across restarts
like a disk), ``/var/log/pacemaker``, ``/var/log/corosync`` and ``/run`` (fresh on every
start), and a fresh tmpfs on ``/dev/shm``.  Pacemaker's and Corosync's IPC (libqb) uses
abstract unix sockets, which belong to the network namespace, plus files in /dev/shm: so
two nodes on one machine never see each other's daemons, nor the host's.  The host's
/etc/corosync and /var/lib/pacemaker are never written.

Extra agents are layered in with read-only overlay mounts: OCF agents (e.g. ha_agents'
own, as ``ocf:ha_agents:NAME``) over ``/usr/lib/ocf/resource.d`` and fence agents (the
lab's ``fence_lab``) over ``/usr/sbin``, where pacemaker-fenced looks for ``fence_*``.

The launcher shell sets this up, starts ``corosync -f`` in the background, waits (bounded)
until corosync answers, then ``exec``s ``pacemakerd``: the PID held is pacemakerd's.  All
of the node's processes — and nothing else — share the launcher's mount namespace, which
is how :meth:`PacemakerNode.pids`, :meth:`PacemakerNode.kill` and cleanup find them.
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
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ha_agents.agent.install import closed_dirs, install_agent
from tests.lab import procs
from tests.lab.crmmon import ClusterView, parse_crm_mon
from tests.lab.netns import Host, Lab, run_cmd
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

COROSYNC = "/usr/sbin/corosync"
PACEMAKERD = "/usr/sbin/pacemakerd"
SHIPPED_VAR_LIB = Path("/var/lib/pacemaker")
OCF_ROOT = "/usr/lib/ocf/resource.d"
_NODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")
_AGENT_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
#: corosync answers on its IPC within this many 0.1 s polls, or the launcher gives up
COROSYNC_POLLS = 200


def _ids() -> tuple[int, int]:
    try:
        return pwd.getpwnam("hacluster").pw_uid, grp.getgrnam("haclient").gr_gid
    except KeyError:
        raise LabError("user hacluster / group haclient missing: install pacemaker") from None


class PacemakerNode:
    """Corosync + Pacemaker on a lab host.  ``ocf_agents``: NAME -> agent file installed as
    ``ocf:ha_agents:NAME`` (shebang = this Python); ``fence_agents``: ``fence_NAME`` ->
    script text, visible in the node's /usr/sbin."""

    def __init__(
        self,
        lab: Lab,
        host: Host,
        node: str,
        corosync_conf: str,
        authkey: bytes,
        ocf_agents: Mapping[str, Path] | None = None,
        fence_agents: Mapping[str, str] | None = None,
        binds: Mapping[str, Path] | None = None,
    ) -> None:
        for path in (COROSYNC, PACEMAKERD):
            if not Path(path).exists():
                raise LabError(f"{path} missing: install the Debian corosync and pacemaker")
        if not _NODE_RE.match(node):
            raise LabError(f"bad node name {node!r}")
        self.lab, self.host, self.node = lab, host, node
        self.root = lab.tmpdir / f"pcmk-{node}"
        if self.root.exists():
            raise LabError(f"a pacemaker node {node!r} already exists in this lab")
        self.etc = self.root / "etc-corosync"
        self.var_lib = self.root / "var-lib-pacemaker"
        self.var_lib_corosync = self.root / "var-lib-corosync"
        self.log_dir = self.root / "log-pacemaker"
        self.corosync_log_dir = self.root / "log-corosync"
        self.run_dir = self.root / "run"
        self.ocf_dir = self.root / "ocf"
        self.sbin_dir = self.root / "sbin"
        self.stderr_file = self.root / "stderr"
        self._proc: subprocess.Popen[bytes] | None = None
        self._mnt_fd: int | None = None  # keeps the mount namespace's inode ours
        self._mnt_inode: int | None = None
        self.binds = dict(binds or {})
        for target in self.binds:
            if not Path(target).exists() or not target.startswith("/"):
                raise LabError(f"bind target {target!r} must be an existing path")
        self._prepare(corosync_conf, authkey, dict(ocf_agents or {}), dict(fence_agents or {}))
        lab.on_close(self._on_lab_close)

    def __repr__(self) -> str:
        return f"PacemakerNode({self.node!r} on {self.host.name}, pid={self.pid})"

    # -- the private trees ------------------------------------------------------------
    def _prepare(
        self, conf: str, authkey: bytes, ocf: dict[str, Path], fence: dict[str, str]
    ) -> None:
        uid, gid = _ids()
        self.root.mkdir(mode=0o755)
        for d in (self.etc, self.var_lib_corosync, self.corosync_log_dir):
            d.mkdir(mode=0o755)
        (self.etc / "corosync.conf").write_text(conf, encoding="utf-8")
        key = self.etc / "authkey"
        key.write_bytes(authkey)
        key.chmod(0o400)
        self.log_dir.mkdir(mode=0o770)
        os.chown(self.log_dir, uid, gid)
        self._skeleton(uid, gid)
        if ocf:
            provider = self.ocf_dir / "ha_agents"
            provider.mkdir(parents=True)
            for name, src in ocf.items():
                if not _AGENT_RE.match(name):
                    raise LabError(f"bad agent name {name!r}")
                install_agent(src, provider / name)
        if fence:
            self.sbin_dir.mkdir()
            for name, text in fence.items():
                if not _AGENT_RE.match(name) or not name.startswith("fence_"):
                    raise LabError(f"bad fence agent name {name!r} (fence_NAME)")
                path = self.sbin_dir / name
                path.write_text(text, encoding="utf-8")
                path.chmod(0o755)

    def _skeleton(self, uid: int, gid: int) -> None:
        """/var/lib/pacemaker: the package's directories (cib, pengine, ...), no files."""
        self.var_lib.mkdir(mode=0o750)
        os.chown(self.var_lib, uid, gid)
        for sub in ("cib", "pengine", "blackbox", "cores", "bundles"):
            d = self.var_lib / sub
            d.mkdir(mode=0o750)
            os.chown(d, uid, gid)

    def _fresh_run_dir(self) -> None:
        uid, gid = _ids()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir(mode=0o755)
        crm = self.run_dir / "crm"
        crm.mkdir(mode=0o750)
        os.chown(crm, uid, gid)
        (self.run_dir / "resource-agents").mkdir(mode=0o755)
        lock = self.run_dir / "lock"
        lock.mkdir()
        lock.chmod(0o1777)

    def _setup_script(self) -> str:
        q = shlex.quote
        steps = [
            "set -e",
            f"hostname {q(self.node)}",
            f"mount --bind {q(str(self.etc))} /etc/corosync",
            f"mount --bind {q(str(self.var_lib_corosync))} /var/lib/corosync",
            f"mount --bind {q(str(self.var_lib))} /var/lib/pacemaker",
            f"mount --bind {q(str(self.log_dir))} /var/log/pacemaker",
            f"mount --bind {q(str(self.corosync_log_dir))} /var/log/corosync",
            f"mount --bind {q(str(self.run_dir))} /run",
            "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
            *(f"mount --bind {q(str(src))} {q(dst)}" for dst, src in self.binds.items()),
        ]
        if self.ocf_dir.exists():
            lower = f"{self.ocf_dir}:{OCF_ROOT}"
            steps.append(f"mount -t overlay overlay -o lowerdir={q(lower)} {OCF_ROOT}")
        if self.sbin_dir.exists():
            lower = f"{self.sbin_dir}:/usr/sbin"
            steps.append(f"mount -t overlay overlay -o lowerdir={q(lower)} /usr/sbin")
        for i, closed in enumerate(closed_dirs(sys.executable)):
            # pacemaker-controld (user hacluster) runs an agent's meta-data itself: our
            # agents' shebang is this Python, often under /root (mode 0700).  Unreadable,
            # the meta-data fails, controld retries synchronously and Pacemaker 2.1 can
            # then miss another child's exit: a probe hangs and nothing starts.
            top = self.root / f"open-{i}"
            top.mkdir(mode=0o755, exist_ok=True)
            lower = f"{top}:{closed}"
            steps.append(f"mount -t overlay overlay -o lowerdir={q(lower)} {q(str(closed))}")
        return "; ".join(steps)

    def _launcher(self, marker: Path) -> str:
        wait = (
            "cpid=$!; i=0; until corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1; do "
            "kill -0 $cpid 2>/dev/null || { echo 'corosync exited' >&2; exit 1; }; "
            f"i=$((i+1)); if [ $i -gt {COROSYNC_POLLS} ]; then "
            "echo 'corosync did not answer' >&2; exit 1; fi; sleep 0.1; done"
        )
        return "; ".join(
            [
                self._setup_script(),
                f": > {shlex.quote(str(marker))}",
                f"{COROSYNC} -f & {wait}",
                f"exec {PACEMAKERD}",
            ]
        )

    # -- lifecycle --------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """pacemakerd's PID (the launcher's) while it runs."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        return None

    def start(self, wait: float = 10.0) -> None:
        """Launch corosync and pacemakerd; return once the namespaces are set up."""
        if self.pids():
            raise LabError(f"pacemaker node {self.node} is already running")
        self._hold_mnt_ns(None)
        self._fresh_run_dir()
        marker = self.root / "launched"
        marker.unlink(missing_ok=True)
        argv = ["unshare", "--mount", "--uts", "--propagation", "private"]
        env = {**os.environ, "PCMK_logfile": "/var/log/pacemaker/pacemaker.log"}
        with open(self.stderr_file, "ab") as err:
            self._proc = self.host.popen(
                [*argv, "sh", "-c", self._launcher(marker)], stdout=err, stderr=err, env=env
            )
        proc = self._proc
        if not wait_until(lambda: marker.exists() or proc.poll() is not None, timeout=wait):
            raise LabError(f"pacemaker node {self.node}: launcher did not start in {wait}s")
        if proc.poll() is not None:
            raise LabError(
                f"pacemaker node {self.node} exited at once (rc {proc.returncode}): "
                + self.stderr_file.read_text(errors="replace")[-2000:]
            )
        self._hold_mnt_ns(proc.pid)
        self.power_dir.mkdir(exist_ok=True)
        (self.power_dir / self.node).write_text(f"{proc.pid} {procs.start_time(proc.pid)}\n")

    @property
    def power_dir(self) -> Path:
        """Where the lab's fence agent (tests/lab/fencelab.py) finds every node."""
        return self.lab.tmpdir / "pcmk-power"

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
        """``sig`` to every process of the node (SIGKILL + a cable cut = power loss)."""
        pids = procs.send_all(self.pids(), sig)
        if sig == signal.SIGKILL:
            procs.wait_gone(pids, 5.0)
            self._reap()
        return pids

    def stop(self, timeout: float = 60.0) -> bool:
        """Orderly stop: SIGTERM to pacemakerd (it stops resources and its daemons), then
        to corosync.  False (and SIGKILL) if that takes longer than ``timeout``."""
        if self._proc is None or not self.pids():
            return True
        if self.pid is not None:
            procs.send(self.pid, signal.SIGTERM)
        half = timeout / 2
        wait_until(lambda: self.pid is None, timeout=half, interval=0.1)
        for pid in self.pids():
            procs.send(pid, signal.SIGTERM)
        if wait_until(lambda: not self.pids(), timeout=half, interval=0.1):
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
        self,
        argv: Sequence[str],
        check: bool = False,
        timeout: float = 60,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the running node's mount, UTS and network namespaces
        (``env``: variables added to this process's environment)."""
        pids = self.pids()
        if not pids:
            raise LabError(f"pacemaker node {self.node} is not running")
        target = self.pid or pids[0]
        cmd = ["nsenter", "-t", str(target), "-m", "-u", "-n", *argv]
        return run_cmd(cmd, check=check, timeout=timeout, env={**os.environ, **(env or {})})

    def crm_mon(self) -> ClusterView | None:
        """``crm_mon --output-as=xml`` parsed; None when it does not answer (yet)."""
        if not self.pids():
            return None
        cp = self.run_in(["crm_mon", "-1", "--output-as=xml"], timeout=30)
        return parse_crm_mon(cp.stdout) if cp.returncode == 0 else None

    def crm_mon_text(self) -> str:
        return self.run_in(["crm_mon", "-1", "-r"], timeout=30).stdout

    # -- logs -------------------------------------------------------------------------
    def log(self) -> str:
        path = self.log_dir / "pacemaker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def corosync_log(self) -> str:
        path = self.corosync_log_dir / "corosync.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_file.read_text(errors="replace") if self.stderr_file.exists() else ""
