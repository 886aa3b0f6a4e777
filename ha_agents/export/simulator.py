"""Predict a failover from the config: every node's real engines on a virtual clock.

Each node runs the real membership :class:`~ha_agents.membership.engine.Engine` and the
real failover :class:`~ha_agents.failover.upper.FailoverUpper`, wired as
``daemon/loop.py`` wires them.  What the daemon does with I/O is modelled:

* the network delivers every message on every heartbeat link after ``latency_s``;
* a resource script takes ``script_duration_s`` per resource and succeeds (groups start
  left to right, stop right to left); fencing takes as long as one script;
* a group is *serving* from the end of its start until the start of its stop (or until
  its node crashes / is cut off).  The client-visible outage of a group is the time after
  the fault during which no node serves it.

Faults (on ``node``, once the cluster is stable, half a keepalive after that node's last
heartbeat, the average case): ``kill`` (the node and its services vanish, like power
loss), ``hang`` (the daemon freezes, its services keep running), ``linkdown`` (every link
of the node is cut, clients cannot reach it either), ``stop`` (clean shutdown), ``standby``
(``ha-agents standby all``).

Pure: no clock, no sockets, no scripts.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from ha_agents.config.model import ClusterConfig, MediumKind
from ha_agents.failover import events as fev
from ha_agents.failover.actions import AcquireGroup, Fence, ReleaseGroup
from ha_agents.failover.upper import FailoverUpper
from ha_agents.membership import actions as ma
from ha_agents.membership.engine import EARLY_DT_S, Engine
from ha_agents.membership.events import (
    BodyField,
    FieldsMessage,
    PacketReceived,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)

MAX_STEPS = 2_000_000
QUIET_TYPES = frozenset({"status", "NS_ackmsg"})
SHUTDOWN_POLL_S = 0.05  # daemon/loop.py polls shutdown_complete() this often


class Fault(enum.Enum):
    KILL = "kill"
    HANG = "hang"
    LINKDOWN = "linkdown"
    STOP = "stop"
    STANDBY = "standby"


@dataclass(frozen=True, slots=True)
class Entry:
    t: float
    node: str
    text: str


@dataclass(frozen=True, slots=True)
class Outage:
    key: str
    down_at: float  # seconds after the fault
    up_at: float | None  # None: not serving again within the horizon
    up_on: str | None

    @property
    def duration(self) -> float | None:
        return None if self.up_at is None else self.up_at - self.down_at


@dataclass(frozen=True, slots=True)
class Prediction:
    fault: Fault
    node: str
    fault_at: float  # virtual time of the fault (timeline times are relative to it)
    detected_at: float | None  # when a peer declared the node dead (relative)
    outages: tuple[Outage, ...]
    split_brain: tuple[str, ...]  # groups served by two nodes at once after the fault
    timeline: tuple[Entry, ...]
    settled: bool  # the cluster was stable before the fault
    # (group, node, seconds after the fault): a node that did not serve the group at the
    # fault finished starting it
    takeovers: tuple[tuple[str, str, float], ...] = ()


@dataclass
class _Node:
    name: str
    config: ClusterConfig
    engine: Engine | None = None
    upper: FailoverUpper | None = None
    generation: int = 1
    frozen: bool = False
    cut: bool = False
    stored: dict[int, FieldsMessage] = field(default_factory=dict)
    timer_gen: int = 0
    busy: int = 0  # group operations in progress


class Simulator:
    def __init__(
        self,
        config: ClusterConfig,
        script_duration_s: float = 0.2,
        latency_s: float = 0.0005,
        durations: Mapping[str, float] | None = None,
    ) -> None:
        self.config = config
        self.duration = script_duration_s
        self.durations = dict(durations or {})
        self.latency = latency_s
        self.now = 0.0
        self.links = tuple(
            dict.fromkeys(m.dev for m in config.hacf.media if m.kind is not MediumKind.SERIAL)
        ) or ("eth0",)
        self.nodes = {
            n: _Node(n, replace(config, local_node=n), generation=i + 1)
            for i, n in enumerate(config.hacf.nodes)
        }
        self.groups = {g.key: g for g in config.groups if g.resources}
        self.serving: dict[str, set[str]] = {k: set() for k in self.groups}
        self.history: list[tuple[float, str, frozenset[str]]] = []  # (t, key, servers)
        self.timeline: list[Entry] = []
        self.dead_seen: list[tuple[float, str, str]] = []  # (t, observer, node)
        self._q: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    # -- clock ---------------------------------------------------------------------------
    def _at(self, t: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._q, (t, next(self._seq), fn))

    def run_until(self, t: float) -> None:
        for _ in range(MAX_STEPS):
            if not self._q or self._q[0][0] > t:
                break
            when, _, fn = heapq.heappop(self._q)
            self.now = max(self.now, when)
            fn()
        self.now = max(self.now, t)

    def _log(self, node: str, text: str) -> None:
        self.timeline.append(Entry(self.now, node, text))

    def _set_serving(self, key: str, node: str, on: bool) -> None:
        servers = self.serving[key]
        (servers.add if on else servers.discard)(node)
        self.history.append((self.now, key, frozenset(servers)))

    # -- node life -------------------------------------------------------------------------
    def start(self, name: str) -> None:
        n = self.nodes[name]
        n.engine = Engine(n.config, n.generation, name.encode().ljust(16, b"\0")[:16])
        n.upper = FailoverUpper(n.config)
        self._dispatch(name, n.engine.handle(Start(self.now)))
        self._rearm(name)

    def crash(self, name: str) -> None:
        n = self.nodes[name]
        n.engine, n.upper = None, None
        n.timer_gen += 1
        for key in self.groups:
            if name in self.serving[key]:
                self._set_serving(key, name, False)

    def hang(self, name: str) -> None:
        self.nodes[name].frozen = True

    def cut(self, name: str) -> None:
        self.nodes[name].cut = True
        for key in self.groups:  # clients are on the same network: they lose it too
            if name in self.serving[key]:
                self._set_serving(key, name, False)

    def stop(self, name: str) -> None:
        n = self.nodes[name]
        if n.upper is None:
            return
        self._upper_out(name, n.upper.begin_shutdown(self.now))
        self._finish_stop(name)

    def _finish_stop(self, name: str) -> None:
        n = self.nodes[name]
        if n.upper is None or n.engine is None:
            return
        if not n.upper.shutdown_complete():
            self._at(self.now + SHUTDOWN_POLL_S, lambda: self._finish_stop(name))
            return
        self._dispatch(name, n.engine.handle(Shutdown(self.now)))
        self._log(name, "daemon stopped (shutdown complete)")
        n.engine, n.upper = None, None
        n.timer_gen += 1

    def standby(self, name: str) -> str:
        n = self.nodes[name]
        if n.upper is None:
            return "node not running"
        reply, out = n.upper.admin({"cmd": "standby", "which": "all"}, self.now)
        self._upper_out(name, out)
        return str(reply.get("message") or reply.get("error") or "")

    def stable(self) -> bool:
        """Every group served by exactly one node and nothing in progress."""
        if any(n.busy for n in self.nodes.values()):
            return False
        return all(len(s) == 1 for s in self.serving.values())

    # -- wiring (as daemon/loop.py) ---------------------------------------------------------
    def _rearm(self, name: str) -> None:
        n = self.nodes[name]
        n.timer_gen += 1
        gen = n.timer_gen
        if n.engine is None:
            return
        times = [n.engine.next_deadline()]
        if n.upper is not None:
            times.append(n.upper.next_deadline())
        due = min((t for t in times if t is not None), default=self.now + 0.1)
        self._at(max(due, self.now + 1e-4), lambda: self._timer(name, gen))

    def _timer(self, name: str, gen: int) -> None:
        n = self.nodes[name]
        if n.engine is None or n.timer_gen != gen or n.frozen:
            return
        self._dispatch(name, n.engine.handle(Tick(self.now)))
        if n.upper is not None:
            self._upper_out(name, n.upper.tick(self.now))
        self._rearm(name)

    def _dispatch(self, name: str, actions: Iterable[object]) -> None:
        n = self.nodes[name]
        for a in actions:
            if isinstance(a, ma.Send):
                self._send(name, a)
            elif isinstance(a, ma.Resend):
                msg = n.stored.get(a.seq)
                if msg is not None:
                    self._broadcast(name, msg)
            elif isinstance(a, ma.Notice):
                self._log(name, f"{a.level.value}: {a.text}")
            else:
                if isinstance(a, ma.NodeDead):
                    self.dead_seen.append((self.now, name, a.node))
                if n.upper is not None:
                    self._upper_out(name, n.upper.cluster_event(a, self.now))

    def _upper_out(self, name: str, outputs: Iterable[object]) -> None:
        n = self.nodes[name]
        for item in outputs:
            if n.engine is None:
                return
            if isinstance(item, SendMessage):
                self._dispatch(name, n.engine.handle(item))
            elif isinstance(item, ma.Notice):
                self._log(name, f"{item.level.value}: {item.text}")
            else:
                self._execute(name, item)
        self._rearm(name)

    def _execute(self, name: str, item: object) -> None:
        n = self.nodes[name]
        upper = n.upper
        if isinstance(item, AcquireGroup | ReleaseGroup):
            start = isinstance(item, AcquireGroup)
            group = self.groups.get(item.key)
            resources = [(r.text, r.name) for r in group.resources] if group else [(item.key, "")]
            order = resources if start else resources[::-1]
            op = "start" if start else "stop"
            n.busy += 1
            if not start and item.key in self.serving:
                self._set_serving(item.key, name, False)
            offset = 0.0
            for text, script in order:
                self._at(self.now + offset, self._logger(name, f"{op} {text}"))
                offset += self.durations.get(script, self.duration)

            def done() -> None:
                n.busy -= 1
                if self.nodes[name].upper is not upper or upper is None:
                    return
                if start and item.key in self.serving:
                    self._set_serving(item.key, name, True)
                self._log(name, f"group {item.key}: {op} done")
                event = fev.GroupDone(item.key, start, True, self.now)
                self._upper_out(name, upper.feed(event, self.now))

            self._at(self.now + offset, done)
        elif isinstance(item, Fence):
            self._log(name, f"fence {item.node} (assumed to succeed)")

            def fenced() -> None:
                if self.nodes[name].upper is upper and upper is not None:
                    event = fev.FenceDone(item.node, True, self.now)
                    self._upper_out(name, upper.feed(event, self.now))

            self._at(self.now + self.duration, fenced)

    def _send(self, name: str, a: ma.Send) -> None:
        n = self.nodes[name]
        fields: list[BodyField] = [*a.body, ("src", name), ("srcuuid", name.encode())]
        if a.seq is not None:
            fields.append(("seq", f"{a.seq:x}"))
        fields += [("hg", f"{n.generation:x}"), ("ts", f"{int(self.now):x}")]
        if a.seq is not None:
            fields.append(("ld", "0.00 0.00 0.00 1/1 1"))
        fields.append(("ttl", "3"))
        msg = FieldsMessage(tuple(fields))
        if a.seq is not None:
            n.stored[a.seq] = msg
        if a.msgtype not in QUIET_TYPES and not n.cut:
            self._log(name, f"send t={a.msgtype} ({a.reason})")
        self._broadcast(name, msg)

    def _broadcast(self, name: str, msg: FieldsMessage) -> None:
        if self.nodes[name].cut:
            return
        for other in self.nodes:
            if other == name:
                continue
            for link in self.links:
                self._at(self.now + self.latency, self._delivery(other, msg, link, name))

    def _delivery(self, to: str, msg: FieldsMessage, link: str, src: str) -> Callable[[], None]:
        return lambda: self._receive(to, msg, link, src)

    def _logger(self, node: str, text: str) -> Callable[[], None]:
        return lambda: self._log(node, text)

    def _receive(self, name: str, msg: FieldsMessage, link: str, src: str) -> None:
        n = self.nodes[name]
        if n.engine is None or n.cut or n.frozen or self.nodes[src].cut:
            return
        source = f"{src}@{link}"
        self._dispatch(name, n.engine.handle(PacketReceived(msg, link, source, self.now)))
        self._rearm(name)


def _last_status_sent(sim: Simulator, node: str) -> float | None:
    engine = sim.nodes[node].engine
    return None if engine is None else engine.last_status_sent


def predict(
    config: ClusterConfig,
    fault: Fault,
    node: str,
    script_duration_s: float = 0.2,
    latency_s: float = 0.0005,
    durations: Mapping[str, float] | None = None,
) -> Prediction:
    """Start every node, wait until stable, inject ``fault`` on ``node``, watch.

    ``durations``: seconds per script name (``IPaddr``, ``lighttpd``...) overriding
    ``script_duration_s`` for those scripts.
    """
    sim = Simulator(config, script_duration_s, latency_s, durations)
    for name in sim.nodes:
        sim.start(name)
    hacf = config.hacf
    longest = max([script_duration_s, *(durations or {}).values()])
    ops = sum(len(g.resources) for g in sim.groups.values()) * longest
    limit = hacf.effective_initdead_ms / 1000 + hacf.deadtime_ms / 1000 + 2 * ops + 10
    step = hacf.keepalive_ms / 1000 / 4
    settled = False
    while sim.now < limit:
        sim.run_until(sim.now + step)
        if sim.stable():
            settled = True
            break
    keepalive = hacf.keepalive_ms / 1000
    # Past the start-up window in which Heartbeat announces a longer deadtime (dt=), and
    # a few keepalives of steady state.
    sim.run_until(max(sim.now, EARLY_DT_S) + 2 * keepalive)
    last = _last_status_sent(sim, node)
    fault_at = (last if last is not None else sim.now) + keepalive / 2
    while fault_at < sim.now:
        fault_at += keepalive
    sim.run_until(fault_at)
    sim.timeline.clear()
    sim._log(node, f"FAULT: {fault.value}")
    message = {
        Fault.KILL: sim.crash,
        Fault.HANG: sim.hang,
        Fault.LINKDOWN: sim.cut,
        Fault.STOP: sim.stop,
    }.get(fault)
    if message is not None:
        message(node)
    else:
        sim._log(node, f"standby: {sim.standby(node)}")
    horizon = fault_at + hacf.deadtime_ms / 1000 + keepalive * 4 + 2 * ops + 5
    sim.run_until(horizon)
    return _prediction(sim, fault, node, fault_at, settled)


def _prediction(
    sim: Simulator, fault: Fault, node: str, fault_at: float, settled: bool
) -> Prediction:
    detected = next(
        (
            t - fault_at
            for t, obs, dead in sim.dead_seen
            if dead == node and t >= fault_at and obs != node
        ),
        None,
    )
    outages: list[Outage] = []
    split: list[str] = []
    takeovers: list[tuple[str, str, float]] = []
    for key in sim.groups:
        changes = [(t, s) for t, k, s in sim.history if k == key and t >= fault_at]
        before = [s for t, k, s in sim.history if k == key and t < fault_at]
        current = before[-1] if before else frozenset()
        seen = set(current)
        for t, servers in changes:
            for new in sorted(servers - seen):
                takeovers.append((key, new, t - fault_at))
            seen |= servers
        down_at: float | None = None if current else 0.0
        for t, servers in changes:
            if len(servers) > 1 and key not in split:
                split.append(key)
            if not servers and down_at is None:
                down_at = t - fault_at
            elif servers and down_at is not None:
                outages.append(Outage(key, down_at, t - fault_at, sorted(servers)[0]))
                down_at = None
        if down_at is not None:
            outages.append(Outage(key, down_at, None, None))
    timeline = tuple(replace(e, t=e.t - fault_at) for e in sim.timeline)
    return Prediction(
        fault,
        node,
        fault_at,
        detected,
        tuple(outages),
        tuple(split),
        timeline,
        settled,
        tuple(takeovers),
    )
