"""Builders for engine tests: configs, messages and a two-engine in-memory network."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ha_agents.config.model import (
    AuthKey,
    AuthKeys,
    AuthMethod,
    ClusterConfig,
    HaCf,
    Location,
    Medium,
    MediumKind,
)
from ha_agents.membership.actions import Action, Send
from ha_agents.membership.engine import Engine
from ha_agents.membership.events import BodyField, PacketReceived
from ha_agents.membership.events import FieldsMessage as Msg

LOC = Location("ha.cf", 1)
UUIDS = {"node1": bytes(range(16)), "node2": bytes(range(16, 32)), "node3": b"\x33" * 16}
ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12", "node3": "192.0.2.13"}


def make_config(
    local: str = "node1",
    nodes: tuple[str, ...] = ("node1", "node2"),
    keepalive: int = 1000,
    deadtime: int = 6000,
    warntime: int | None = 3000,
    initdead: int | None = 12000,
    devs: tuple[str, ...] = ("eth0",),
) -> ClusterConfig:
    media = tuple(Medium(MediumKind.BCAST, d, LOC) for d in devs)
    hacf = HaCf(
        nodes=nodes,
        media=media,
        keepalive_ms=keepalive,
        deadtime_ms=deadtime,
        warntime_ms=warntime,
        initdead_ms=initdead,
    )
    key = AuthKey(1, AuthMethod.MD5, b"secret", LOC)
    return ClusterConfig("/etc/ha.d", hacf, AuthKeys(1, {1: key}), (), local)


def make_engine(local: str = "node1", generation: int = 100, **cfg: object) -> Engine:
    config = make_config(local=local, **cfg)  # type: ignore[arg-type]
    return Engine(config, generation, UUIDS[local], local_addresses=[ADDRS[local]])


def envelope(body: Iterable[BodyField], src: str, seq: int | None, hg: int) -> Msg:
    fields: list[BodyField] = [*body, ("src", src), ("srcuuid", UUIDS.get(src, b"\0" * 16))]
    if seq is not None:
        fields.append(("seq", f"{seq:x}"))
    fields += [("hg", f"{hg:x}"), ("ts", "6b06a213")]
    if seq is not None:
        fields.append(("ld", "0.00 0.00 0.00 1/1 1"))
    fields.append(("ttl", "3"))
    return Msg(tuple(fields))


def status(src: str, seq: int, hg: int = 200, st: str = "active") -> Msg:
    return envelope((("t", "status"), ("st", st), ("dt", "1770"), ("protocol", "1")), src, seq, hg)


def rx(msg: Msg, now: float, link: str = "eth0", source: str | None = None) -> PacketReceived:
    src = msg.get("src") or ""
    return PacketReceived(msg, link, source or ADDRS.get(src, "198.51.100.9"), now)


def sends(actions: list[Action]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send)]


def texts(actions: list[Action]) -> list[str]:
    from ha_agents.membership.actions import Notice

    return [f"{a.level.value}: {a.text}" for a in actions if isinstance(a, Notice)]


@dataclass
class Network:
    """Two or more engines joined by one medium per link; ``drop`` filters deliveries."""

    engines: dict[str, Engine]
    sent: dict[str, dict[int, Msg]] = field(default_factory=dict)
    cut: set[tuple[str, str]] = field(default_factory=set)  # (node, link) down

    def deliver(self, sender: str, actions: list[Action], now: float) -> list[Action]:
        """Put the sender's Sends on the wire; return every receiver's resulting actions."""
        out: list[Action] = []
        eng = self.engines[sender]
        for a in sends(actions):
            msg = envelope(a.body, sender, a.seq, eng.generation)
            if a.seq is not None:
                self.sent.setdefault(sender, {})[a.seq] = msg
            out += self.broadcast(sender, msg, now)
        return out

    def broadcast(self, sender: str, msg: Msg, now: float) -> list[Action]:
        out: list[Action] = []
        for name, eng in self.engines.items():
            if name == sender:
                continue
            for link in eng.links:
                if (sender, link) in self.cut or (name, link) in self.cut:
                    continue
                acts = eng.handle(rx(msg, now, link, ADDRS[sender]))
                out += acts
                self.deliver(name, acts, now)
        return out

    def tick(self, now: float) -> dict[str, list[Action]]:
        from ha_agents.membership.events import Tick

        result = {}
        for name, eng in self.engines.items():
            acts = eng.handle(Tick(now))
            result[name] = acts
            self.deliver(name, acts, now)
        return result
