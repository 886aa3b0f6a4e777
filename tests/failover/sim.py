"""A fake-clock two-node cluster for the failover manager (unit tests of pure logic).

Each node is a ``ResourceManager`` plus a small membership model (heartbeat every
keepalive, dead after deadtime, initdead at start, generations on restart) and a fake
executor whose group operations take ``op_delay`` seconds.  Nodes are joined by an
in-memory network that delivers after ``latency`` and can be partitioned; a node can be
frozen (SIGSTOP: nothing runs, packets queue), powered off, restarted or stopped.
``running`` is the ground truth of which groups really run where.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ha_agents.config.model import (
    AuthKey,
    AuthKeys,
    AuthMethod,
    AutoFailback,
    ClusterConfig,
    HaCf,
    Location,
    PingNode,
    ResourceGroup,
    ResourceSpec,
)
from ha_agents.failover import events as ev
from ha_agents.failover.actions import (
    AcquireGroup,
    Action,
    Fence,
    Notice,
    Reannounce,
    ReleaseGroup,
    Send,
    ShutdownComplete,
)
from ha_agents.failover.manager import ResourceManager
from ha_agents.failover.messages import OutMessage, Shutdone
from ha_agents.failover.options import FailoverOptions

LOC = Location("test", 1)


def make_config(
    local: str,
    nodes: tuple[str, ...] = ("node1", "node2"),
    groups: tuple[tuple[str, str], ...] = (("node1", "IPaddr::192.0.2.50"),),
    auto_failback: AutoFailback = AutoFailback.ON,
    keepalive_ms: int = 100,
    deadtime_ms: int = 500,
    initdead_ms: int = 1000,
    ping: bool = False,
) -> ClusterConfig:
    hacf = HaCf(
        nodes=nodes,
        media=(),
        keepalive_ms=keepalive_ms,
        deadtime_ms=deadtime_ms,
        initdead_ms=initdead_ms,
        auto_failback=auto_failback,
        ping_nodes=(PingNode("192.0.2.1", ("192.0.2.1",), LOC),) if ping else (),
    )
    keys = AuthKeys(1, {1: AuthKey(1, AuthMethod.SHA1, b"k", LOC)})
    rgs = tuple(
        ResourceGroup(home, (ResourceSpec(text.split("::")[0], (), text, LOC),), LOC)
        for home, text in groups
    )
    return ClusterConfig("conf", hacf, keys, rgs, local)


@dataclass
class SimNode:
    name: str
    config: ClusterConfig
    options: FailoverOptions
    manager: ResourceManager | None = None
    up: bool = False
    frozen: bool = False
    generation: int = 0
    started_at: float = 0.0
    comm_up: bool = False
    peer_state: dict[str, str] = field(default_factory=dict)  # unknown/alive/dead
    peer_gen: dict[str, int] = field(default_factory=dict)
    peer_seen: dict[str, float] = field(default_factory=dict)
    peer_clean: set[str] = field(default_factory=set)
    queued: list[tuple[str, object]] = field(default_factory=list)
    log: list[tuple[float, Action]] = field(default_factory=list)
    sent: list[tuple[float, OutMessage]] = field(default_factory=list)
    stopped: bool = False  # shutdown completed


class Cluster:
    def __init__(
        self,
        configs: dict[str, ClusterConfig],
        options: dict[str, FailoverOptions] | None = None,
        op_delay: float = 0.05,
        latency: float = 0.001,
    ) -> None:
        self.now = 0.0
        self.op_delay = op_delay
        self.latency = latency
        self.nodes = {
            n: SimNode(n, c, (options or {}).get(n, FailoverOptions())) for n, c in configs.items()
        }
        self.running: dict[str, set[str]] = {n: set() for n in configs}
        self.fail_start: set[tuple[str, str]] = set()
        self.fence_ok = True
        self.fence_calls: list[tuple[float, str, str]] = []
        self.reannounced: list[tuple[float, str, str]] = []
        self.cut: set[frozenset[str]] = set()
        self.deaf: set[tuple[str, str]] = set()  # (sender, receiver) pairs that lose everything
        self.ops: list[tuple[float, str, str, str]] = []  # (t, node, start/stop, key)
        self.overlaps: list[tuple[float, str, tuple[str, ...]]] = []  # dual ownership seen
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    # -- scheduling ---------------------------------------------------------------------
    def at(self, t: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (t, next(self._seq), fn))

    def run_until(self, t: float) -> None:
        for _ in range(1_000_000):
            if not self._queue or self._queue[0][0] > t:
                break
            when, _, fn = heapq.heappop(self._queue)
            self.now = max(self.now, when)
            fn()
        self.now = t

    def run_for(self, dt: float) -> None:
        self.run_until(self.now + dt)

    # -- node life cycle ---------------------------------------------------------------
    def start(self, name: str) -> None:
        node = self.nodes[name]
        node.manager = ResourceManager(node.config, node.options)
        node.up, node.frozen, node.stopped, node.comm_up = True, False, False, False
        node.generation += 1
        node.started_at = self.now
        node.peer_state = {p: "unknown" for p in node.config.peers}
        node.peer_seen.clear()
        node.peer_clean.clear()
        node.peer_gen.clear()
        node.queued.clear()
        gen = node.generation
        ka = node.config.hacf.keepalive_ms / 1000
        self._feed(name, ev.Tick(self.now))
        self._hb_timer(name, gen)
        self.at(self.now + ka / 4, lambda: self._timer(name, gen))

    def power_off(self, name: str) -> None:
        """SIGKILL + link down: the process and its resources are gone."""
        node = self.nodes[name]
        node.up = False
        node.manager = None
        self.running[name].clear()

    def freeze(self, name: str) -> None:
        self.nodes[name].frozen = True

    def thaw(self, name: str) -> None:
        node = self.nodes[name]
        node.frozen = False
        queued, node.queued = node.queued, []
        for kind, payload in queued:
            self._receive(name, kind, payload)

    def stop(self, name: str) -> None:
        self._feed(name, ev.Shutdown(self.now))

    def admin(self, name: str, event: ev.Event) -> None:
        self._feed(name, event)

    def partition(self, a: str, b: str) -> None:
        self.cut.add(frozenset((a, b)))

    def one_way(self, sender: str, receiver: str) -> None:
        """``receiver`` stops hearing ``sender`` (the other direction still works)."""
        self.deaf.add((sender, receiver))

    def heal(self) -> None:
        self.cut.clear()
        self.deaf.clear()

    # -- queries ----------------------------------------------------------------------
    def owners(self, key: str) -> list[str]:
        return sorted(n for n, keys in self.running.items() if key in keys)

    def notices(self, name: str) -> list[str]:
        return [a.text for _, a in self.nodes[name].log if isinstance(a, Notice)]

    def manager(self, name: str) -> ResourceManager:
        m = self.nodes[name].manager
        assert m is not None
        return m

    def run_until_true(self, cond: Callable[[], bool], limit: float, step: float = 0.01) -> float:
        """Advance until cond() holds; returns the time it first held (or fails)."""
        end = self.now + limit
        while self.now < end:
            if cond():
                return self.now
            self.run_for(step)
        assert cond(), f"condition not met within {limit} s"
        return self.now

    # -- internals --------------------------------------------------------------------
    def _timer(self, name: str, gen: int) -> None:
        node = self.nodes[name]
        if not node.up or node.generation != gen or node.stopped:
            return
        ka = node.config.hacf.keepalive_ms / 1000
        self.at(self.now + ka / 4, lambda: self._timer(name, gen))
        if node.frozen:
            return
        self._membership_tick(name)
        self._feed(name, ev.Tick(self.now))

    def _hb_timer(self, name: str, gen: int) -> None:
        node = self.nodes[name]
        if not node.up or node.generation != gen or node.stopped:
            return
        if not node.frozen:
            self._broadcast(name, "hb", gen)
        ka = node.config.hacf.keepalive_ms / 1000
        self.at(self.now + ka, lambda: self._hb_timer(name, gen))

    def _broadcast(self, name: str, kind: str, payload: object) -> None:
        for other in self.nodes:
            if other == name or frozenset((name, other)) in self.cut:
                continue
            if (name, other) in self.deaf:
                continue
            self.at(
                self.now + self.latency,
                lambda o=other, k=kind, p=payload: self._deliver(o, name, k, p),
            )

    def _deliver(self, to: str, src: str, kind: str, payload: object) -> None:
        node = self.nodes[to]
        if not node.up or node.stopped:
            return
        if node.frozen:
            node.queued.append((kind, (src, payload)))
            return
        self._receive(to, kind, (src, payload))

    def _receive(self, to: str, kind: str, item: object) -> None:
        node = self.nodes[to]
        if not node.up:
            return
        src, payload = item  # type: ignore[misc]
        self._heard(to, src, payload if kind == "hb" else None)
        if kind == "msg":
            self._feed(to, ev.MessageIn(src, payload, self.now))
        elif kind == "shutdone":
            node.peer_clean.add(src)
            self._feed(to, ev.PeerShutdown(src, self.now))

    def _heard(self, to: str, src: str, gen: object) -> None:
        node = self.nodes[to]
        state = node.peer_state.get(src)
        if state is None:
            return
        node.peer_seen[src] = self.now
        known = node.peer_gen.get(src)
        if isinstance(gen, int):
            node.peer_gen[src] = gen
        if isinstance(gen, int) and known is not None and gen > known:
            node.peer_state[src] = "alive"
            node.peer_clean.discard(src)
            self._feed(to, ev.PeerRestarted(src, self.now))
            if state == "dead":
                self._feed(to, ev.PeerAlive(src, self.now))
            return
        if state != "alive":
            node.peer_state[src] = "alive"
            self._feed(to, ev.PeerAlive(src, self.now))
            if not node.comm_up:
                node.comm_up = True
                self._feed(to, ev.CommUp((), self.now))

    def _membership_tick(self, name: str) -> None:
        node = self.nodes[name]
        hacf = node.config.hacf
        dead = hacf.deadtime_ms / 1000
        if not node.comm_up and (
            self.now - node.started_at >= hacf.effective_initdead_ms / 1000 or not node.peer_state
        ):
            node.comm_up = True
            never = tuple(p for p, s in node.peer_state.items() if s == "unknown")
            for p in never:
                node.peer_state[p] = "dead"
            self._feed(name, ev.CommUp(never, self.now))
        for p, s in node.peer_state.items():
            if s == "alive" and self.now - node.peer_seen.get(p, 0.0) > dead:
                node.peer_state[p] = "dead"
                self._feed(name, ev.PeerDead(p, self.now, clean=p in node.peer_clean))

    def _feed(self, name: str, event: ev.Event) -> None:
        node = self.nodes[name]
        if not node.up or node.frozen or node.manager is None:
            return
        for action in node.manager.handle(event):
            node.log.append((self.now, action))
            self._act(name, action)

    def _act(self, name: str, action: Action) -> None:
        node = self.nodes[name]
        gen = node.generation
        if isinstance(action, Send):
            node.sent.append((self.now, action.message))
            self._broadcast(name, "msg", action.message)
        elif isinstance(action, AcquireGroup):
            key = action.key
            ok = (name, key) not in self.fail_start
            self.ops.append((self.now, name, "start", key))

            def started() -> None:
                if self.nodes[name].up and self.nodes[name].generation == gen:
                    if ok:
                        self.running[name].add(key)
                        if len(self.owners(key)) > 1:
                            self.overlaps.append((self.now, key, tuple(self.owners(key))))
                    self._feed(name, ev.GroupDone(key, True, ok, self.now))

            self.at(self.now + self.op_delay, started)
        elif isinstance(action, ReleaseGroup):
            key = action.key
            self.ops.append((self.now, name, "stop", key))

            def stopped() -> None:
                if self.nodes[name].up and self.nodes[name].generation == gen:
                    self.running[name].discard(key)
                    self._feed(name, ev.GroupDone(key, False, True, self.now))

            self.at(self.now + self.op_delay, stopped)
        elif isinstance(action, Reannounce):
            self.reannounced.append((self.now, name, action.key))
        elif isinstance(action, Fence):
            target = action.node
            self.fence_calls.append((self.now, name, target))
            ok = self.fence_ok

            def fenced() -> None:
                if not self.nodes[name].up or self.nodes[name].generation != gen:
                    return  # the fencer was itself fenced first (a fencing race)
                if ok:
                    self.power_off(target)
                self._feed(name, ev.FenceDone(target, ok, self.now))

            self.at(self.now + self.op_delay, fenced)
        elif isinstance(action, ShutdownComplete):
            self._broadcast(name, "shutdone", Shutdone())
            node.stopped = True
            node.up = False
