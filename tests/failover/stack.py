"""Two full node stacks on a fake clock: the real membership ``Engine`` + the failover
``FailoverUpper`` per node, wired as ``daemon/loop.py`` wires them, joined by an
in-memory broadcast medium that can be cut; a fake executor runs group operations in
``op_delay`` seconds.  Nodes can be powered off, frozen (SIGSTOP) and restarted.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ha_agents.config.model import ClusterConfig, Medium, MediumKind
from ha_agents.failover import events as fev
from ha_agents.failover.actions import AcquireGroup, Reannounce, ReleaseGroup
from ha_agents.failover.upper import FailoverUpper
from ha_agents.membership.actions import Notice, Resend, Send
from ha_agents.membership.engine import Engine
from ha_agents.membership.events import (
    BodyField,
    PacketReceived,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)
from ha_agents.membership.events import FieldsMessage as Msg
from tests.failover.sim import LOC, make_config

ADDR = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


def stack_config(local: str, **kw: object) -> ClusterConfig:
    c = make_config(local, **kw)  # type: ignore[arg-type]
    hacf = c.hacf.__class__(
        **{
            **{f: getattr(c.hacf, f) for f in c.hacf.__dataclass_fields__},
            "media": (Medium(MediumKind.BCAST, "eth0", LOC),),
        }
    )
    return ClusterConfig(c.config_dir, hacf, c.authkeys, c.groups, local)


@dataclass
class Node:
    name: str
    config: ClusterConfig
    generation: int = 100
    engine: Engine | None = None
    upper: FailoverUpper | None = None
    frozen: bool = False
    queued: list[Msg] = field(default_factory=list)
    stored: dict[int, Msg] = field(default_factory=dict)
    notices: list[tuple[float, str]] = field(default_factory=list)
    timer_gen: int = 0


class Stack:
    def __init__(self, configs: dict[str, ClusterConfig], op_delay: float = 0.05) -> None:
        self.now = 0.0
        self.op_delay = op_delay
        self.nodes = {n: Node(n, c) for n, c in configs.items()}
        self.running: dict[str, set[str]] = {n: set() for n in configs}
        self.overlaps: list[tuple[float, str]] = []
        self.reannounced: list[tuple[float, str, str]] = []
        self.cut: set[str] = set()
        self._q: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    # -- clock --------------------------------------------------------------------------
    def at(self, t: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._q, (t, next(self._seq), fn))

    def run_until(self, t: float) -> None:
        for _ in range(2_000_000):
            if not self._q or self._q[0][0] > t:
                break
            when, _, fn = heapq.heappop(self._q)
            self.now = max(self.now, when)
            fn()
        self.now = t

    def run_for(self, dt: float) -> None:
        self.run_until(self.now + dt)

    def wait_for(self, cond: Callable[[], bool], limit: float, step: float = 0.005) -> float:
        end = self.now + limit
        while self.now < end and not cond():
            self.run_for(step)
        assert cond(), f"not within {limit}s"
        return self.now

    # -- faults -------------------------------------------------------------------------
    def start(self, name: str) -> None:
        n = self.nodes[name]
        n.generation += 1
        n.engine = Engine(n.config, n.generation, name.encode().ljust(16, b"\0"))
        n.upper = FailoverUpper(n.config)
        n.frozen, n.queued, n.stored = False, [], {}
        n.timer_gen += 1
        self._dispatch(name, n.engine.handle(Start(self.now)))
        self._arm(name, n.timer_gen)

    def power_off(self, name: str) -> None:
        n = self.nodes[name]
        n.engine, n.upper = None, None
        n.timer_gen += 1
        self.running[name].clear()

    def freeze(self, name: str) -> None:
        self.nodes[name].frozen = True

    def thaw(self, name: str) -> None:
        n = self.nodes[name]
        n.frozen = False
        queued, n.queued = n.queued, []
        for msg in queued:  # asyncio runs ready I/O before due timers
            self._receive(name, msg)
        self._arm(name, n.timer_gen, now=True)

    def stop(self, name: str) -> None:
        n = self.nodes[name]
        assert n.upper is not None
        self._upper_out(name, n.upper.begin_shutdown(self.now))
        self._finish_stop(name)

    def _finish_stop(self, name: str) -> None:
        n = self.nodes[name]
        if n.upper is None or n.engine is None:
            return
        if not n.upper.shutdown_complete():
            self.at(self.now + 0.01, lambda: self._finish_stop(name))
            return
        self._dispatch(name, n.engine.handle(Shutdown(self.now)))
        n.engine, n.upper = None, None
        n.timer_gen += 1

    def admin(self, name: str, request: dict[str, object]) -> dict[str, object]:
        n = self.nodes[name]
        assert n.upper is not None
        reply, out = n.upper.admin(request, self.now)
        self._upper_out(name, out)
        return reply

    def owners(self, key: str) -> list[str]:
        return sorted(n for n, ks in self.running.items() if key in ks)

    def texts(self, name: str) -> list[str]:
        return [t for _, t in self.nodes[name].notices]

    # -- wiring (as daemon/loop.py) --------------------------------------------------------
    def _arm(self, name: str, gen: int, now: bool = False) -> None:
        n = self.nodes[name]
        if n.engine is None or n.timer_gen != gen:
            return
        times = [n.engine.next_deadline()]
        if n.upper is not None:
            times.append(n.upper.next_deadline())
        due = min((t for t in times if t is not None), default=self.now + 0.1)
        self.at(self.now if now else max(due, self.now + 1e-4), lambda: self._timer(name, gen))

    def _timer(self, name: str, gen: int) -> None:
        n = self.nodes[name]
        if n.engine is None or n.timer_gen != gen or n.frozen:
            return
        n.timer_gen += 1
        self._dispatch(name, n.engine.handle(Tick(self.now)))
        if n.upper is not None:
            self._upper_out(name, n.upper.tick(self.now))
        self._arm(name, n.timer_gen)

    def _dispatch(self, name: str, actions: Iterable[object]) -> None:
        n = self.nodes[name]
        for a in actions:
            if isinstance(a, Send):
                self._send(name, a)
            elif isinstance(a, Resend):
                msg = n.stored.get(a.seq)
                if msg is not None:
                    self._broadcast(name, msg)
            elif isinstance(a, Notice):
                n.notices.append((self.now, a.text))
            elif n.upper is not None:
                self._upper_out(name, n.upper.cluster_event(a, self.now))

    def _upper_out(self, name: str, outputs: Iterable[object]) -> None:
        n = self.nodes[name]
        for item in outputs:
            if n.engine is None:
                return
            if isinstance(item, SendMessage):
                self._dispatch(name, n.engine.handle(item))
            elif isinstance(item, Notice):
                n.notices.append((self.now, item.text))
            else:
                self._execute(name, item)
        n.timer_gen += 1
        self._arm(name, n.timer_gen)

    def _execute(self, name: str, item: object) -> None:
        n = self.nodes[name]
        up = n.upper
        if isinstance(item, (AcquireGroup, ReleaseGroup)):
            key, start = item.key, isinstance(item, AcquireGroup)

            def done() -> None:
                if self.nodes[name].upper is not up or up is None:
                    return
                if start:
                    self.running[name].add(key)
                    if len(self.owners(key)) > 1:
                        self.overlaps.append((self.now, key))
                else:
                    self.running[name].discard(key)
                self._upper_out(name, up.feed(fev.GroupDone(key, start, True, self.now), self.now))

            self.at(self.now + self.op_delay, done)
        elif isinstance(item, Reannounce):
            self.reannounced.append((self.now, name, item.key))

    def _send(self, name: str, a: Send) -> None:
        n = self.nodes[name]
        fields: list[BodyField] = [*a.body, ("src", name), ("srcuuid", name.encode())]
        if a.seq is not None:
            fields.append(("seq", f"{a.seq:x}"))
        fields += [("hg", f"{n.generation:x}"), ("ts", "0")]
        if a.seq is not None:
            fields.append(("ld", "0"))
        fields.append(("ttl", "3"))
        msg = Msg(tuple(fields))
        if a.seq is not None:
            n.stored[a.seq] = msg
        self._broadcast(name, msg)

    def _broadcast(self, name: str, msg: Msg) -> None:
        if name in self.cut:
            return
        for other in self.nodes:
            if other != name and other not in self.cut:
                self.at(self.now + 0.0005, lambda o=other: self._receive(o, msg))

    def _receive(self, name: str, msg: Msg) -> None:
        n = self.nodes[name]
        if n.engine is None or name in self.cut:
            return
        if n.frozen:
            n.queued.append(msg)
            return
        src = msg.get("src") or ""
        self._dispatch(name, n.engine.handle(PacketReceived(msg, "eth0", ADDR[src], self.now)))
        n.timer_gen += 1
        self._arm(name, n.timer_gen)
