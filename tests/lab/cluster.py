"""EDGE: a two-node floating-IP cluster in the network-namespace lab (tests, demo, bench).

``ClusterSpec`` describes the cluster once (nodes and addresses, timers, auto_failback,
the VIP group, authkeys) and renders it as Heartbeat files (``ha_cf()``,
``haresources()``, ``AUTHKEYS``), for a real Heartbeat node and an ha_agents node alike.
``start_ha_agents(lab, host, node, spec)`` starts an ha_agents node: ``ha-agents run``
(tests/lab/command.py) on the rendered files, plus ``failover.cf`` for fencing and
``spec.failover_cf`` (e.g. resource monitoring).
``vip_holders(hosts, vip)`` says which hosts carry the VIP.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ha_agents.config.failovercf import FILENAME
from ha_agents.config.model import (
    AuthKey,
    AuthKeys,
    AuthMethod,
    AutoFailback,
    ClusterConfig,
    HaCf,
    Location,
    Medium,
    MediumKind,
    ResourceGroup,
    ResourceSpec,
)
from tests.lab import procs
from tests.lab.command import ha_agents
from tests.lab.netns import Host, Lab
from tests.lab.registry import LabError
from tests.lab.steady import steady
from tests.lab.waiting import wait_until

STOCK_HA_D = "/etc/ha.d"  # as the Debian heartbeat package installs it (never written)
AUTH_KEY = "ha-agents-lab-secret"
AUTHKEYS = f"auth 1\n1 sha1 {AUTH_KEY}\n"


def _fmt_ms(ms: int) -> str:
    return f"{ms // 1000}" if ms % 1000 == 0 else f"{ms}ms"


@dataclass(frozen=True)
class ClusterSpec:
    nodes: dict[str, str]  # node name -> address on the lab link
    keepalive_ms: int = 100
    deadtime_ms: int = 500
    warntime_ms: int | None = None
    initdead_ms: int | None = None
    auto_failback: str = "on"
    vip: str = "192.0.2.50"
    home: str = ""  # the VIP group's home node (default: the first node)
    extra_resources: tuple[str, ...] = ()
    udpport: int = 694
    ifname: str = "eth0"
    ping: tuple[str, ...] = ()
    fence_command: tuple[str, ...] = ()
    fence_retry_s: float = 5.0
    media: str = "bcast"  # or "ucast" (one line per node address)
    failover_cf: str = ""  # more failover.cf lines (e.g. resource ``monitor`` lines)

    @property
    def group_home(self) -> str:
        return self.home or next(iter(self.nodes))

    @property
    def resources(self) -> tuple[str, ...]:
        return (f"IPaddr::{self.vip}/24/{self.ifname}", *self.extra_resources)

    @property
    def effective_warntime_ms(self) -> int:
        return self.warntime_ms or max(self.keepalive_ms, self.deadtime_ms // 2)

    @property
    def effective_initdead_ms(self) -> int:
        return self.initdead_ms or max(self.deadtime_ms * 2, 2000)

    # -- Heartbeat files -------------------------------------------------------------
    def ha_cf(self, extra: str = "") -> str:
        lines = [
            f"keepalive {_fmt_ms(self.keepalive_ms)}",
            f"warntime {_fmt_ms(self.effective_warntime_ms)}",
            f"deadtime {_fmt_ms(self.deadtime_ms)}",
            f"initdead {_fmt_ms(self.effective_initdead_ms)}",
            f"udpport {self.udpport}",
            *self._media_lines(),
            f"auto_failback {self.auto_failback}",
            *(f"ping {p}" for p in self.ping),
            *(f"node {n}" for n in self.nodes),
        ]
        if extra:
            lines.append(extra.rstrip("\n"))
        return "\n".join(lines) + "\n"

    def _media_lines(self) -> list[str]:
        if self.media == "ucast":
            return [f"ucast {self.ifname} {addr}" for addr in self.nodes.values()]
        return [f"bcast {self.ifname}"]

    def _media(self, loc: Location) -> tuple[Medium, ...]:
        if self.media == "ucast":
            return tuple(
                Medium(MediumKind.UCAST, self.ifname, loc, port=self.udpport, peer=addr)
                for addr in self.nodes.values()
            )
        return (Medium(MediumKind.BCAST, self.ifname, loc, port=self.udpport),)

    def haresources(self) -> str:
        return f"{self.group_home} {' '.join(self.resources)}\n"

    # -- our model -----------------------------------------------------------------------
    def config(self, local: str, config_dir: str, logfile: str | None = None) -> ClusterConfig:
        loc = Location(str(Path(config_dir) / "ha.cf"), 1)
        params = {
            "keepalive": _fmt_ms(self.keepalive_ms),
            "deadtime": _fmt_ms(self.deadtime_ms),
            "warntime": _fmt_ms(self.effective_warntime_ms),
            "initdead": _fmt_ms(self.effective_initdead_ms),
            "udpport": str(self.udpport),
            "auto_failback": self.auto_failback,
        }
        from ha_agents.config.model import PingNode

        hacf = HaCf(
            nodes=tuple(self.nodes),
            media=self._media(loc),
            keepalive_ms=self.keepalive_ms,
            deadtime_ms=self.deadtime_ms,
            warntime_ms=self.effective_warntime_ms,
            initdead_ms=self.effective_initdead_ms,
            udpport=self.udpport,
            auto_failback=AutoFailback(self.auto_failback),
            ping_nodes=tuple(PingNode(p, (p,), loc) for p in self.ping),
            logfile=logfile,
            parameters=params,
        )
        keys = AuthKeys(1, {1: AuthKey(1, AuthMethod.SHA1, AUTH_KEY.encode(), loc)}, loc)
        rloc = Location(str(Path(config_dir) / "haresources"), 1)
        specs = tuple(
            ResourceSpec(text.split("::")[0], tuple(text.split("::")[1:]), text, rloc)
            for text in self.resources
        )
        group = ResourceGroup(self.group_home, specs, rloc)
        return ClusterConfig(config_dir, hacf, keys, (group,), local)


class LabNode:
    """One ha_agents node on a lab host: its own config/state/run dirs under the lab's
    temp dir; the daemon and its scripts share the process group the lab gave it, which
    is how :meth:`pids` and :meth:`kill` find them (by PID)."""

    def __init__(
        self, lab: Lab, host: Host, node: str, spec: ClusterSpec, *, stock_ha_d: bool = False
    ) -> None:
        """``stock_ha_d``: the config dir starts as a copy of the heartbeat package's
        /etc/ha.d (its resource.d/IPaddr, ...), as on an upgraded node ("drop-in")."""
        self.lab, self.host, self.node, self.spec = lab, host, node, spec
        self.root = lab.tmpdir / f"ha-{node}"
        self.config_dir = self.root / "etc"
        self.state_dir = self.root / "state"
        self.run_dir = self.root / "run"
        self.logfile = self.root / "ha-log"
        self.output = self.root / "output"
        if stock_ha_d:
            shutil.copytree(STOCK_HA_D, self.config_dir, symlinks=True)
        for d in (self.config_dir, self.state_dir, self.run_dir):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.config_dir / "ha.cf").write_text(spec.ha_cf(f"logfile {self.logfile}"))
        (self.config_dir / "haresources").write_text(spec.haresources())
        keys = self.config_dir / "authkeys"
        keys.write_text(AUTHKEYS)
        keys.chmod(0o600)
        fence = (
            f"fence_command {shlex.join(spec.fence_command)}\nfence_retry {spec.fence_retry_s:g}\n"
            if spec.fence_command
            else ""
        )
        if fence or spec.failover_cf:
            (self.config_dir / FILENAME).write_text(fence + spec.failover_cf)
        self.env: dict[str, str] = {}  # set before start: added to the daemon's environment
        self._proc: subprocess.Popen[bytes] | None = None
        lab.on_close(self._on_lab_close)

    def argv(self, *args: str) -> list[str]:
        return ha_agents(*args)

    def start(self) -> None:
        if self.running():
            raise LabError(f"ha_agents node {self.node} is already running")
        argv = self.argv(
            "run", "--config-dir", str(self.config_dir), "--node", self.node,
            "--state-dir", str(self.state_dir), "--run-dir", str(self.run_dir),
        )  # fmt: skip
        env = {**os.environ, **self.env} if self.env else None
        with open(self.output, "ab") as out:
            self._proc = self.host.popen(argv, stdout=out, stderr=out, env=env)

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def pids(self) -> list[int]:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            # reaped (poll/wait): its PID, hence the group ID, may be someone else's now
            return []
        return procs.pids_in_group(proc.pid)

    def kill(self, sig: int = signal.SIGKILL) -> list[int]:
        """Signal every process of the node (SIGKILL: power loss; SIGSTOP: hang)."""
        pids = self.pids()
        for pid in pids:
            procs.send(pid, sig)
        if sig == signal.SIGKILL:
            procs.wait_gone(pids, 5.0)
            self._reap()
        return pids

    def stop(self, timeout: float = 20.0) -> bool:
        """Orderly stop (SIGTERM, as ``heartbeat -k``); False (and SIGKILL) if too slow."""
        if self._proc is None:
            return True
        for pid in self.pids():
            procs.send(pid, signal.SIGCONT)
        procs.send(self._proc.pid, signal.SIGTERM)
        proc = self._proc
        if wait_until(lambda: proc.poll() is not None, timeout):
            self._reap()
            return True
        self.kill(signal.SIGKILL)
        return False

    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2.0)

    def _on_lab_close(self) -> None:
        pids = self.pids()
        for pid in pids:
            procs.send(pid, signal.SIGCONT)
        procs.terminate(pids, grace=0.5)
        self._reap()

    def ctl(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        """``ha-agents ARGS --run-dir RUN`` inside the node's namespace."""
        argv = self.argv(args[0], "--run-dir", str(self.run_dir), *args[1:])
        return self.host.run(argv, check=False, timeout=timeout)

    def doc(self) -> dict[str, object] | None:
        """``ha-agents status --json`` of this node (None if it does not answer)."""
        res = self.ctl("status", "--json")
        try:
            doc = json.loads(res.stdout) if res.returncode == 0 else None
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None

    def wait_steady(self, timeout: float = 15.0) -> bool:
        """Until every node this one hears announces its plain deadtime (tests/lab/steady.py)."""
        return wait_until(lambda: steady(self.doc(), self.spec.deadtime_ms), timeout)

    def log(self) -> str:
        try:
            return self.logfile.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def start_ha_agents(lab: Lab, host: Host, node: str, spec: ClusterSpec) -> LabNode:
    n = LabNode(lab, host, node, spec)
    n.start()
    return n


def vip_holders(hosts: Iterable[Host], vip: str) -> list[str]:
    """Names of the hosts whose interfaces carry ``vip`` right now."""
    out = []
    for h in hosts:
        res = h.run(["ip", "-o", "-4", "addr", "show"], check=False, timeout=5)
        if any(f" {vip}/" in line for line in res.stdout.splitlines()):
            out.append(h.name)
    return out
