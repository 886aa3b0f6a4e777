"""A virtual cluster: real ``Node`` objects (node/node.py) on a virtual clock, joined by an
in-memory network that carries their real signed datagrams.  ``ha-agents simulate``
(export/simulator.py) and the failover tests drive it; the daemon drives the same Node.
What the daemon does with I/O is modelled:

* the network delivers every datagram on every heartbeat link after ``latency`` seconds;
  a node can be cut off (every cable, or one link), two nodes partitioned, one direction
  silenced; clients reach a node over the first link of ha.cf;
* a resource script takes ``op_delay`` seconds (``durations`` per script name) and
  succeeds unless ``(node, group)`` is in ``fail_start``; groups start left to right and
  stop right to left; fencing takes ``op_delay`` and powers the target off if ``fence_ok``;
* a group *runs* on a node from the end of its start to the end of its stop; it is
  *served* from the end of its start to the start of its stop, while clients reach it;
* faults: power off (the node and its services vanish), freeze (SIGSTOP: nothing runs,
  datagrams wait in the socket buffer), thaw, cut, orderly stop, restart; ping nodes
  (ha.cf ``ping``) answer every keepalive unless ``lose_pings`` cut the path to them;
* the executor (groups, fencing, resource checks and restarts, services killed or hung
  with ``kill_service``) is node/services.py.

Pure: no clock, no sockets, no scripts.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig, MediumKind
from ha_agents.failover.actions import (
    EXECUTOR_WORK,
    AcquireGroup,
    Fence,
    Probe,
    Reannounce,
    ReleaseGroup,
    RestartResources,
)
from ha_agents.failover.manager import ResourceManager
from ha_agents.membership.actions import NodeDead
from ha_agents.node.failover import ExecutorEvent, JsonDict
from ha_agents.node.node import Node, Transmit
from ha_agents.node.services import ModelledExecutor, ServiceFault
from ha_agents.notice import Notice
from ha_agents.wire.codec import decode
from ha_agents.wire.resource_msgs import read

MAX_STEPS = 2_000_000
SHUTDOWN_POLL_S = 0.05  # the daemon polls shutdown_complete() this often


@dataclass(frozen=True, slots=True)
class Entry:
    t: float
    node: str
    text: str


@dataclass
class Member:
    name: str
    config: ClusterConfig
    options: FailoverOptions
    generation: int
    node: Node | None = None
    frozen: bool = False
    cut: bool = False
    cut_links: set[str] = field(default_factory=set)  # links cut while others stay up
    queued: list[tuple[bytes, str, str]] = field(default_factory=list)
    notices: list[tuple[float, Notice]] = field(default_factory=list)
    sent: list[tuple[float, object]] = field(default_factory=list)  # failover messages
    work: list[tuple[float, object]] = field(default_factory=list)  # the executor's actions
    timer_gen: int = 0


class VirtualCluster:
    def __init__(
        self,
        configs: Mapping[str, ClusterConfig],
        *,
        options: Mapping[str, FailoverOptions] | None = None,
        op_delay: float = 0.05,
        durations: Mapping[str, float] | None = None,
        latency: float = 0.0005,
    ) -> None:
        self.now = 0.0
        self.op_delay = op_delay
        self.durations = dict(durations or {})
        self.latency = latency
        self.members = {
            name: Member(name, c, (options or {}).get(name, FailoverOptions()), i)
            for i, (name, c) in enumerate(configs.items())
        }
        first = next(iter(configs.values()))
        self.links = tuple(
            dict.fromkeys(m.link_name for m in first.hacf.media if m.kind is not MediumKind.SERIAL)
        ) or ("eth0",)
        self.groups = {g.key: g for g in first.groups}
        self.running: dict[str, set[str]] = {n: set() for n in configs}
        self.serving: dict[str, set[str]] = {k: set() for k in self.groups}
        self.history: list[tuple[float, str, frozenset[str]]] = []  # (t, group, servers)
        self.holders: list[tuple[float, str, frozenset[str]]] = []  # (t, group, owners)
        self.timeline: list[Entry] = []
        self.dead_seen: list[tuple[float, str, str]] = []  # (t, observer, dead node)
        self.overlaps: list[tuple[float, str, tuple[str, ...]]] = []  # two owners seen
        self.ops: list[tuple[float, str, str, str]] = []  # (t, node, start/stop, group)
        self.fence_calls: list[tuple[float, str, str]] = []
        self.reannounced: list[tuple[float, str, str]] = []
        self.fail_start: set[tuple[str, str]] = set()
        self.fence_ok = True
        self.partitions: set[frozenset[str]] = set()
        self.deaf: set[tuple[str, str]] = set()  # (sender, receiver) pairs losing everything
        self.ping_hosts = tuple(h for p in first.hacf.ping_nodes if not p.ipv6 for h in p.hosts)
        self.no_pings: set[str] = set()  # nodes whose ping nodes do not answer
        self._in_flight: dict[str, int] = {}  # group operations running, per node
        self._q: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.executor = ModelledExecutor(self)

    # -- clock ---------------------------------------------------------------------------
    def at(self, t: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._q, (t, next(self._seq), fn))

    def run_until(self, t: float) -> None:
        for _ in range(MAX_STEPS):
            if not self._q or self._q[0][0] > t:
                break
            when, _, fn = heapq.heappop(self._q)
            self.now = max(self.now, when)
            fn()
        self.now = max(self.now, t)

    def run_for(self, dt: float) -> None:
        self.run_until(self.now + dt)

    def run_until_true(self, cond: Callable[[], bool], limit: float, step: float = 0.01) -> float:
        """Advance until ``cond()`` holds; the time it first held (AssertionError if not)."""
        end = self.now + limit
        while self.now < end and not cond():
            self.run_for(step)
        assert cond(), f"condition not met within {limit} s"
        return self.now

    # -- faults and commands -------------------------------------------------------------
    def start(self, name: str) -> None:
        m = self.members[name]
        m.generation += 1
        uuid = name.encode().ljust(16, b"\0")[:16]
        m.node = Node(m.config, m.generation, uuid, options=m.options)
        m.frozen, m.queued = False, []
        self._apply(name, m.node.start(self.now))
        if self.ping_hosts:
            self._ping(name, m.node)

    def power_off(self, name: str) -> None:
        m = self.members[name]
        m.node, m.frozen, m.queued = None, False, []
        m.timer_gen += 1
        for key in sorted(self.running[name]):
            self._set_running(key, name, False)
        self._unserve(name)
        self.executor.forget(name)

    def freeze(self, name: str) -> None:
        self.members[name].frozen = True

    def thaw(self, name: str) -> None:
        m = self.members[name]
        m.frozen = False
        queued, m.queued = m.queued, []
        for data, link, source in queued:  # read before the late tick: daemon/resume.py
            self._receive(name, data, link, source)
        self._arm(name, at_once=True)

    def cut(self, name: str, link: str | None = None) -> None:
        """Cut ``name``'s cable on ``link`` (default: on every link)."""
        m = self.members[name]
        m.cut_links.add(link or self.links[0])
        m.cut = link is None or m.cut_links >= set(self.links)
        if not self._reachable(name):
            self._unserve(name)  # clients are on the first link: they lose it too

    def reconnect(self, name: str) -> None:
        self.members[name].cut, self.members[name].cut_links = False, set()
        for key in self.running[name]:
            if self.executor.healthy(name, key):
                self._set_serving(key, name, True)

    def kill_service(
        self, name: str, key: str, index: int = -1, fault: ServiceFault = ServiceFault.DEAD
    ) -> None:
        """A resource of group ``key`` on ``name`` dies or hangs (default: its last)."""
        group = self.groups.get(key)
        count = len(group.resources) if group else 1
        self.executor.kill_service(name, key, index % count, fault)

    def _reachable(self, name: str) -> bool:
        m = self.members[name]
        return not m.cut and self.links[0] not in m.cut_links

    def lose_pings(self, name: str, lost: bool = True) -> None:
        """``name``'s ping nodes stop (or start again) answering it."""
        (self.no_pings.add if lost else self.no_pings.discard)(name)

    def partition(self, a: str, b: str) -> None:
        self.partitions.add(frozenset((a, b)))

    def one_way(self, sender: str, receiver: str) -> None:
        """``receiver`` stops hearing ``sender`` (the other direction still works)."""
        self.deaf.add((sender, receiver))

    def heal(self) -> None:
        self.partitions.clear()
        self.deaf.clear()

    def stop(self, name: str) -> None:
        """Orderly stop (SIGTERM): release, then ``shutdone`` once everything is down."""
        node = self.members[name].node
        if node is not None:
            self._apply(name, node.begin_shutdown(self.now))
            self._finish_stop(name)

    def admin(self, name: str, request: JsonDict) -> JsonDict:
        node = self.members[name].node
        if node is None:
            return {"ok": False, "error": "node not running"}
        reply, outputs = node.admin(request, self.now)
        self._apply(name, outputs)
        return reply

    def result(self, name: str, event: ExecutorEvent) -> None:
        """Feed an executor result directly (e.g. a ping node becomes unreachable)."""
        node = self.members[name].node
        if node is not None:
            self._apply(name, node.result(event))

    # -- questions -----------------------------------------------------------------------
    def owners(self, key: str) -> list[str]:
        return sorted(n for n, keys in self.running.items() if key in keys)

    def notices(self, name: str) -> list[str]:
        return [n.text for _, n in self.members[name].notices]

    def manager(self, name: str) -> ResourceManager:
        node = self.members[name].node
        assert node is not None and node.failover is not None
        return node.failover.manager

    def busy(self) -> bool:
        """A group operation is in progress somewhere."""
        return any(self._in_flight.values())

    # -- wiring (as daemon/loop.py) ------------------------------------------------------
    def _apply(self, name: str, outputs: Iterable[object]) -> None:
        m = self.members[name]
        for item in outputs:
            if m.node is None:
                return
            if isinstance(item, Transmit):
                self._transmit(name, item)
            elif isinstance(item, Notice):
                m.notices.append((self.now, item))
                self.log(name, f"{item.level.value}: {item.text}")
            elif isinstance(item, NodeDead):
                self.dead_seen.append((self.now, name, item.node))
            elif isinstance(item, EXECUTOR_WORK):
                m.work.append((self.now, item))
            if isinstance(item, AcquireGroup | ReleaseGroup):
                self.executor.group(name, item.key, isinstance(item, AcquireGroup))
            elif isinstance(item, Fence):
                self.executor.fence(name, item.node)
            elif isinstance(item, Probe):
                self.executor.probe(name, item)
            elif isinstance(item, RestartResources):
                self.executor.restart(name, item)
            elif isinstance(item, Reannounce):
                self.reannounced.append((self.now, name, item.key))
        self._arm(name)

    def _arm(self, name: str, at_once: bool = False) -> None:
        m = self.members[name]
        m.timer_gen += 1
        gen = m.timer_gen
        if m.node is None:
            return
        due = m.node.next_deadline()
        due = self.now + 0.1 if due is None else due
        self.at(self.now if at_once else max(due, self.now + 1e-4), lambda: self._timer(name, gen))

    def _timer(self, name: str, gen: int) -> None:
        m = self.members[name]
        if m.node is None or m.timer_gen != gen or m.frozen:
            return
        self._apply(name, m.node.tick(self.now))

    def _finish_stop(self, name: str) -> None:
        node = self.members[name].node
        if node is None:
            return
        if not node.shutdown_complete():
            self.at(self.now + SHUTDOWN_POLL_S, lambda: self._finish_stop(name))
            return
        self._apply(name, node.finish_shutdown(self.now))
        self.log(name, "daemon stopped (shutdown complete)")
        self.members[name].node = None
        self.members[name].timer_gen += 1

    def _ping(self, name: str, node: Node) -> None:
        """Every keepalive, each ping node answers (the pinger edge's ICMP echo)."""
        m = self.members[name]
        if m.node is not node:
            return
        if not m.frozen and name not in self.no_pings:
            for host in self.ping_hosts:
                self._apply(name, node.ping_heard(host, self.now))
        every = m.config.hacf.keepalive_ms / 1000
        self.at(self.now + every, lambda: self._ping(name, node))

    # -- the network ---------------------------------------------------------------------
    def _transmit(self, name: str, item: Transmit) -> None:
        m = self.members[name]
        if item.msgtype not in ("status", "NS_ackmsg", "NS_rexmit", "rexmit"):
            self._record_sent(m, item.data)
            if not m.cut:
                self.log(name, f"send t={item.msgtype} ({item.reason})")
        if m.cut:
            return
        for other, peer in self.members.items():
            if other == name or peer.cut or frozenset((name, other)) in self.partitions:
                continue
            if (name, other) in self.deaf:
                continue
            for link in [lk for lk in self.links if lk not in m.cut_links | peer.cut_links]:
                deliver = self._delivery(other, item.data, link, f"{name}@{link}")
                self.at(self.now + self.latency, deliver)

    def _record_sent(self, m: Member, data: bytes) -> None:
        if (body := read(decode(data).message)) is not None:
            m.sent.append((self.now, body))

    def _delivery(self, to: str, data: bytes, link: str, source: str) -> Callable[[], None]:
        return lambda: self._receive(to, data, link, source)

    def _receive(self, name: str, data: bytes, link: str, source: str) -> None:
        m = self.members[name]
        if m.node is None or m.cut:
            return
        if m.frozen:
            m.queued.append((data, link, source))
            return
        self._apply(name, m.node.datagram(data, link, source, self.now))

    # -- ground truth --------------------------------------------------------------------
    def _set_serving(self, key: str, node: str, on: bool) -> None:
        servers = self.serving.setdefault(key, set())
        if (node in servers) == on:
            return
        (servers.add if on else servers.discard)(node)
        self.history.append((self.now, key, frozenset(servers)))

    def _set_running(self, key: str, node: str, on: bool) -> None:
        (self.running[node].add if on else self.running[node].discard)(key)
        self.holders.append((self.now, key, frozenset(self.owners(key))))

    def _unserve(self, name: str) -> None:
        for key in self.serving:
            self._set_serving(key, name, False)

    def log(self, node: str, text: str) -> None:
        self.timeline.append(Entry(self.now, node, text))
