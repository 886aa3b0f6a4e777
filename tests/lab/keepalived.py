"""A keepalived VRRP node on a lab host (EDGE): the failover baseline for benchmarks.

keepalived runs in the host's network namespace with a generated VRRPv3 config and its
own pid files under the lab's temp dir (``-n -l -f conf -p pid -r vrrp.pid``).  It forks
a VRRP child; both stay in the process group the lab gave the parent, which is how
:meth:`pids`, :meth:`kill` and :meth:`stop` find them (by PID).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Sequence

from tests.lab import procs
from tests.lab.netns import Host, Lab, check_test_net
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until


def make_keepalived_conf(
    name: str,
    vip: str,
    *,
    priority: int,
    advert_int: float = 0.1,
    ifname: str = "eth0",
    router_id: int = 51,
    preempt: bool = True,
    version: int = 3,
    unicast_peers: Sequence[str] = (),
    src_ip: str | None = None,
) -> str:
    """A one-instance VRRP config: the highest ``priority`` holds ``vip`` (a.b.c.d/len).

    With ``unicast_peers`` (the other nodes' addresses; give ``src_ip`` too) adverts go
    by unicast instead of to VRRP's multicast group 224.0.0.18.
    """
    check_test_net(vip)
    for peer in [*unicast_peers, *([src_ip] if src_ip else [])]:
        check_test_net(f"{peer}/32")
    if not 1 <= priority <= 254 or not 1 <= router_id <= 255 or version not in (2, 3):
        raise LabError("keepalived: priority 1-254, router_id 1-255, version 2 or 3")
    if version == 2 and advert_int != int(advert_int):
        raise LabError("keepalived: VRRPv2 needs a whole-second advert_int")
    lines = [
        "global_defs {",
        f"  router_id {name}",
        f"  vrrp_version {version}",
        "  vrrp_garp_master_delay 0",
        "  vrrp_garp_master_refresh 0",
        "}",
        "vrrp_instance VI_1 {",
        "  state BACKUP",
        f"  interface {ifname}",
        f"  virtual_router_id {router_id}",
        f"  priority {priority}",
        f"  advert_int {advert_int:g}",
    ]
    if not preempt:
        lines.append("  nopreempt")
    if unicast_peers:
        if src_ip:
            lines.append(f"  unicast_src_ip {src_ip}")
        lines += ["  unicast_peer {", *(f"    {p}" for p in unicast_peers), "  }"]
    lines += ["  virtual_ipaddress {", f"    {vip} dev {ifname}", "  }", "}"]
    return "\n".join(lines) + "\n"


class KeepalivedNode:
    """keepalived on ``host`` with ``conf``.  Create with :meth:`Lab.add_keepalived_node`."""

    def __init__(self, lab: Lab, host: Host, name: str, conf: str) -> None:
        if shutil.which("keepalived") is None:
            raise LabError("keepalived is not installed (Debian package keepalived)")
        self.lab = lab
        self.host = host
        self.name = name
        self.root = lab.tmpdir / f"ka-{name}"
        if self.root.exists():
            raise LabError(f"a keepalived node {name!r} already exists in this lab")
        self.root.mkdir()
        self.conf = self.root / "keepalived.conf"
        self.conf.write_text(conf, encoding="utf-8")
        self.logfile = self.root / "log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._group: procs.Group | None = None
        lab.on_close(self._on_lab_close)

    def __repr__(self) -> str:
        return f"KeepalivedNode({self.name!r} on {self.host.name})"

    def start(self) -> None:
        if self.pids():
            raise LabError(f"keepalived {self.name} is already running")
        r = self.root
        for f in ("pid", "vrrp.pid", "checkers.pid"):
            (r / f).unlink(missing_ok=True)
        argv = [
            "keepalived", "-n", "-l", "-D", "-G", "-P",
            "-f", str(self.conf), "-p", str(r / "pid"), "-r", str(r / "vrrp.pid"),
            "-c", str(r / "checkers.pid"),
        ]  # fmt: skip
        with open(self.logfile, "ab") as log:
            self._proc = self.host.popen(argv, stdout=log, stderr=log)
        self._group = procs.Group(self._proc)
        proc = self._proc
        if not wait_until(lambda: (r / "vrrp.pid").exists() or proc.poll() is not None, timeout=10):
            raise LabError(f"keepalived {self.name} did not start its VRRP process in 10 s")
        if proc.poll() is not None:
            raise LabError(f"keepalived {self.name} exited {proc.returncode}: {self.log()[-1500:]}")

    def pids(self) -> list[int]:
        """The parent and its children (its process group), by PID."""
        return self._group.pids() if self._group is not None else []

    def running(self) -> bool:
        return bool(self.pids())

    def kill(self, sig: int = signal.SIGKILL) -> list[int]:
        """Signal every keepalived process of this node (SIGKILL: power loss; SIGSTOP: hang)."""
        if self._group is None:
            return []
        pids = self._group.signal(sig)
        if sig == signal.SIGKILL:
            wait_until(lambda: not self.pids(), timeout=5.0, interval=0.02)
        return pids

    def stop(self, timeout: float = 10.0) -> bool:
        """Orderly stop (SIGTERM to the parent: it gives the VIP up, priority 0)."""
        if self._group is None or self._proc is None or not self.pids():
            return True
        self._group.signal(signal.SIGCONT)
        if self._proc.returncode is None:  # not reaped: the PID is still ours
            procs.send(self._proc.pid, signal.SIGTERM)
        if wait_until(lambda: not self.pids(), timeout=timeout):
            return True
        self.kill(signal.SIGKILL)
        return False

    def _on_lab_close(self) -> None:
        self.kill(signal.SIGKILL)

    def log(self) -> str:
        try:
            return self.logfile.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def has_vip(self, vip: str) -> bool:
        """True if ``vip`` (a.b.c.d or a.b.c.d/len) is on one of the host's interfaces."""
        addr = vip.split("/")[0]
        return any(a.split("/")[0] == addr for a in self.host.addresses())
