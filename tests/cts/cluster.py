"""The CTS cluster: two nodes of one system, a client, and what the harness expects.

``CtsCluster`` builds the lab (hosts n1/n2 at 192.0.2.11/12 running node1/node2, client
c at 192.0.2.100), keeps what each node *should* be (up or down, as CTS's ShouldBeStatus)
and which hosts are powered off, and offers the operations the test kinds are made of:
start/stop one node or both at once, power loss and reboot, hang and resume, partition
and heal, each waiting for its own condition to a deadline.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.cts.nodes import SYSTEMS, AgentsNode, HbNode
from tests.lab import Lab, wait_until
from tests.lab.cluster import ClusterSpec
from tests.lab.netns import Host
from tests.lab.poller import HttpPoller

VIP = "192.0.2.50"
ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
HOSTS = {"node1": "n1", "node2": "n2"}
CLIENT = "192.0.2.100"
STARTED = "Initial resource acquisition complete"

Node = AgentsNode | HbNode


class StepFailed(Exception):
    """A step's own expectation was not met (the reason is the message)."""


@dataclass(frozen=True)
class Settings:
    """The cluster's timers (ha.cf) and its web server's stop time."""

    keepalive_ms: int = 200
    deadtime_ms: int = 2000
    warntime_ms: int = 1000
    initdead_ms: int = 4000
    web_stop_s: float = 0.0  # how long the web server takes to stop (a slow service)
    settle_timeout_s: float = 60.0  # the deadline for settling after each step

    @property
    def deadtime_s(self) -> float:
        return self.deadtime_ms / 1000


def make_spec(t: Settings) -> ClusterSpec:
    return ClusterSpec(
        dict(ADDRS), keepalive_ms=t.keepalive_ms, deadtime_ms=t.deadtime_ms,
        warntime_ms=t.warntime_ms, initdead_ms=t.initdead_ms, auto_failback="on", vip=VIP,
        extra_resources=("ctsweb",), media="ucast",
    )  # fmt: skip


@dataclass
class CtsCluster:
    lab: Lab
    system: str
    settings: Settings
    hosts: dict[str, Host] = field(default_factory=dict)  # node name -> its host
    nodes: dict[str, Node] = field(default_factory=dict)
    up: dict[str, bool] = field(default_factory=dict)  # what each node should be
    powered_off: set[str] = field(default_factory=set)
    client: Host | None = None
    notes: list[str] = field(default_factory=list)  # the current step's observations
    start_timeout: float = 60.0
    settle_timeout: float = 60.0
    poller: HttpPoller | None = None  # the current step's client
    last_action: float = 0.0  # monotonic time of the step's last disturbance

    @classmethod
    def build(cls, lab: Lab, system: str, settings: Settings) -> CtsCluster:
        c = cls(lab, system, settings)
        c.settle_timeout = settings.settle_timeout_s
        spec = make_spec(settings)
        for name, addr in ADDRS.items():
            host = lab.add_host(HOSTS[name], f"{addr}/24")
            c.hosts[name] = host
            c.nodes[name] = SYSTEMS[system](lab, host, name, spec, settings.web_stop_s)
            c.up[name] = False
        c.client = lab.add_client("c", f"{CLIENT}/24")
        return c

    # -- looking ---------------------------------------------------------------------
    def peer(self, name: str) -> str:
        return next(n for n in self.nodes if n != name)

    def up_nodes(self) -> list[str]:
        return [n for n, u in self.up.items() if u]

    def holders(self) -> list[str] | None:
        """Nodes whose (powered) host carries the VIP; None if a host could not be asked."""
        out = []
        for name, host in self.hosts.items():
            if name in self.powered_off:
                continue
            res = host.run(["ip", "-o", "-4", "addr", "show"], check=False, timeout=5)
            if res.returncode != 0 or " inet " not in res.stdout:
                return None
            if any(f" {VIP}/" in line for line in res.stdout.splitlines()):
                out.append(name)
        return out

    def wait_holders(self, pred: Callable[[list[str]], bool], timeout: float) -> bool:
        return wait_until(lambda: (h := self.holders()) is not None and pred(h), timeout, 0.05)

    def wait_for(self, pred: Callable[[], bool], timeout: float) -> float | None:
        """The monotonic time ``pred`` was first seen true, or None at the deadline."""
        seen: list[float] = []

        def check() -> bool:
            if pred():
                seen.append(time.monotonic())
                return True
            return False

        wait_until(check, timeout, 0.05)
        return seen[0] if seen else None

    def served(self, timeout: float, after: float, backend: str | None = None) -> bool:
        """The client got an answer to a request sent after ``after`` (from ``backend``)."""
        return self.poller is not None and self.poller.wait_ok(timeout, after, backend)

    def log_marks(self) -> dict[str, int]:
        return {n: len(node.log()) for n, node in self.nodes.items()}

    def wait_log(self, name: str, regex: str, since: int, timeout: float) -> bool:
        pat = re.compile(regex)
        return wait_until(lambda: pat.search(self.nodes[name].log(), since) is not None, timeout)

    # -- starting and stopping -------------------------------------------------------
    def start(self, names: Iterable[str]) -> None:
        """Start these nodes at once; wait until each logged its initial acquisition."""
        names = [n for n in names if not self.up[n]]
        if not names:
            return
        marks = self.log_marks()
        for n in names:
            if n in self.powered_off:
                self.reboot(n)
        self.last_action = time.monotonic()
        for n in names:
            self.nodes[n].start()
            self.up[n] = True
        for n in names:
            if not self.wait_log(n, STARTED, marks[n], self.start_timeout):
                raise StepFailed(f"{n}: no '{STARTED}' within {self.start_timeout:.0f} s")

    def stop(self, names: Iterable[str]) -> None:
        """Orderly stop of these nodes at once (SIGTERM); wait until they exited."""
        names = [n for n in names if self.up[n]]
        timeout = 30.0
        self.last_action = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(lambda n: self.nodes[n].stop(timeout), names))
        for n, ok in zip(names, done, strict=True):
            self.up[n] = False
            if not ok:
                raise StepFailed(f"{n}: did not stop within {timeout:.0f} s (killed)")

    def start_all(self) -> None:
        self.start(list(self.nodes))

    def stop_all(self) -> None:
        self.stop(list(self.nodes))

    # -- faults ----------------------------------------------------------------------
    def power_off(self, name: str) -> float:
        """Power loss: every process of the node gets SIGKILL and its cable is cut."""
        t = self.last_action = time.monotonic()
        self.nodes[name].kill(signal.SIGKILL)
        self.hosts[name].link_down()
        self.up[name] = False
        self.powered_off.add(name)
        return t

    def reboot(self, name: str) -> None:
        """The machine comes back: no address or run-time file survives; cable in."""
        host = self.hosts[name]
        self.last_action = time.monotonic()
        host.run(["ip", "addr", "del", f"{VIP}/24", "dev", "eth0"], check=False)
        self.nodes[name].web.forget()
        host.link_up()
        self.powered_off.discard(name)

    def hang(self, name: str) -> None:
        self.last_action = time.monotonic()
        self.nodes[name].kill(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.last_action = time.monotonic()
        self.nodes[name].kill(signal.SIGCONT)

    def partition(self) -> None:
        self.last_action = time.monotonic()
        self.lab.partition([self.hosts["node1"]], [self.hosts["node2"]])

    def heal(self) -> None:
        self.last_action = time.monotonic()
        self.lab.heal()

    def repair(self) -> None:
        """After a step that failed half-way: no partition, nothing stopped, every
        powered-off machine rebooted (its node stays down until a step starts it)."""
        self.heal()
        for name in self.nodes:
            if self.up[name]:
                self.resume(name)
        for name in list(self.powered_off):
            self.reboot(name)

    # -- settling --------------------------------------------------------------------
    def unsettled(self) -> str | None:
        """Why the cluster is not settled now, or None when it is: every node that should
        be up runs, sees its peer as the peer should be, is not in transition; exactly
        one VIP owner when a node is up (none when all are down), owned by an up node."""
        up = self.up_nodes()
        for n in up:
            node = self.nodes[n]
            if not node.running():
                return f"{n} is not running"
            rsc = node.rscstatus()
            if rsc is None or rsc == "transition":
                return f"{n} rscstatus {rsc}"
            peer = self.peer(n)
            seen = node.nodestatus(peer)
            if (seen == "active") != self.up[peer]:
                return f"{n} sees {peer} {seen}"
        holders = self.holders()
        if holders is None:
            return "cannot read the addresses"
        if not up:
            return f"VIP on {holders} with every node down" if holders else None
        if len(holders) != 1 or holders[0] not in up:
            return f"VIP owners {holders} (up: {up})"
        return None

    def wait_settled(self, timeout: float) -> tuple[float | None, str | None]:
        """When the cluster became settled (monotonic) and stayed so for ``settle_hold``
        (CTS sleeps StableTime instead; a node that resumes or heals may take a
        deadtime to react), or (None, why not) at the deadline."""
        hold = max(1.0, self.settings.deadtime_s)
        t0 = time.monotonic()
        last: str | None = "never checked"
        first: float | None = None
        while time.monotonic() - t0 < timeout:
            now = time.monotonic()
            last = self.unsettled()
            if last is not None:
                first = None
            elif first is None:
                first = now
            elif now - first >= hold:
                return first, None
            time.sleep(0.05)
        return None, last
