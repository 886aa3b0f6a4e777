"""Shared state and helpers of the membership engine (see engine.py): configuration,
per-peer records, counters, and building the messages membership sends.  Pure."""

from __future__ import annotations

from collections.abc import Iterable

from ha_agents.config.model import ClusterConfig
from ha_agents.membership import notices
from ha_agents.membership.actions import Action, Send
from ha_agents.membership.events import BodyField
from ha_agents.membership.peers import Peer, RexmitRequest
from ha_agents.membership.pingnodes import PingNodes
from ha_agents.membership.states import NodeStatus
from ha_agents.notice import Level

#: Types membership consumes itself; every other type goes up as an Upcall.
OWN_TYPES = frozenset({"status", "NS_ackmsg", "NS_rexmit", "reqnodes", "repnodes", "shutdone"})
EPS = 1e-6  # float slack when comparing monotonic times against deadlines
EARLY_DT_S = 5.0  # Heartbeat announces deadtime+2 s in dt= for the first ~5 s
MAX_REXMIT_RANGE = 50  # seqs answered per NS_rexmit
MAX_REQUESTS_PER_GAP = 50  # seqs requested for one gap
DUP_LINK_WINDOW = 8  # a duplicate this close to the newest seq still proves the link
MAX_LOGGED_STRANGERS = 64
DT_GRACE_S = 2.0  # most a peer's announced dt may extend our deadtime for it
HEXDIGITS = frozenset("0123456789abcdefABCDEF")


def _hex(value: int) -> str:
    return f"{value:x}"


def _parse_dec(text: str | None) -> int | None:
    """NS_rexmit's firstseq/lastseq are decimal (unlike seq): Heartbeat 3.0.6 answers
    ``firstseq=f`` with ``ERROR: Invalid rexmit seqnos`` and re-sends seq 10 when asked
    for ``10`` (observed in the interop test)."""
    if text is None or not 0 < len(text) <= 20 or not text.isdigit():
        return None
    return int(text)


def _parse_hex(text: str | None) -> int | None:
    if text is None or not 0 < len(text) <= 16 or any(c not in HEXDIGITS for c in text):
        return None
    return int(text, 16)


def heartbeat_order(config: ClusterConfig) -> tuple[str, ...]:
    """Every node as Heartbeat lists it to API clients: the ``node`` and ``ping``/
    ``ping_group`` lines in the order they are written (cl_status prints it reversed)."""
    hacf = config.hacf
    lines = [loc.line for loc in hacf.entry_locations.get("node", ())]
    if len(lines) != len(hacf.nodes):
        lines = [0] * len(hacf.nodes)
    ranked = [(line, i, name) for i, (line, name) in enumerate(zip(lines, hacf.nodes, strict=True))]
    ranked += [
        (p.loc.line, len(ranked) + i, p.name) for i, p in enumerate(hacf.ping_nodes) if not p.ipv6
    ]
    return tuple(name for _line, _i, name in sorted(ranked))


class EngineCore:
    def __init__(
        self,
        config: ClusterConfig,
        generation: int,
        uuid: bytes,
        *,
        local_addresses: Iterable[str] = (),
        rexmit_delay_s: float = 0.25,
        max_rexmit_tries: int = 5,
        ack_every: int = 10,
    ) -> None:
        hacf = config.hacf
        self.config = config
        self.local = next(
            (n for n in hacf.nodes if n.lower() == config.local_node.lower()), config.local_node
        )
        self.generation = generation
        self.uuid = uuid
        self.local_addresses = frozenset(local_addresses)
        self.keepalive_s = hacf.keepalive_ms / 1000
        self.deadtime_s = hacf.deadtime_ms / 1000
        self.warntime_s = hacf.effective_warntime_ms / 1000
        self.initdead_s = hacf.effective_initdead_ms / 1000
        self.rexmit_delay_s = rexmit_delay_s
        self.max_rexmit_tries = max_rexmit_tries
        self.ack_every = ack_every
        self.links: tuple[str, ...] = tuple(dict.fromkeys(m.link_name for m in hacf.media))
        self.names = {n.lower(): n for n in hacf.nodes}
        self.peers: dict[str, Peer] = {n: Peer(n) for n in hacf.nodes if n != self.local}
        self.status = NodeStatus.INIT
        self.seq = 0
        self.started_at: float | None = None
        self.next_status_at: float | None = None
        self.last_status_sent: float | None = None
        self.announced_dt_ms: int | None = None  # the dt= of our last status message
        self.last_event_at: float | None = None  # to notice that this process was frozen
        self.initdead_at: float | None = None
        self.stopped = False
        self.counters: dict[str, int] = {}
        self._strangers: set[str] = set()
        self.pings = PingNodes(hacf.ping_nodes, hacf.effective_deadping_ms / 1000, self.initdead_s)
        self.order = heartbeat_order(config)

    # -- public ------------------------------------------------------------------

    def _status_msg(self, now: float, reason: str) -> Send:
        assert self.started_at is not None
        early = now - self.started_at < EARLY_DT_S
        dt_ms = self.config.hacf.deadtime_ms + (2000 if early else 0)
        self.last_status_sent = now
        self.announced_dt_ms = dt_ms
        body: tuple[BodyField, ...] = (
            ("t", "status"),
            ("st", self.status.value),
            ("dt", _hex(dt_ms)),
            ("protocol", "1"),
        )
        return self._send(body, now, reason)

    def _send(self, body: tuple[BodyField, ...], now: float, reason: str) -> Send:
        self.seq += 1
        return Send(body, self.seq, reason)

    def _with_destuuid(self, body: tuple[BodyField, ...]) -> tuple[BodyField, ...]:
        dest = next((v for k, v in body if k == "dest" and isinstance(v, str)), None)
        if dest is None or any(k == "destuuid" for k, _ in body):
            return body
        uuid = self.uuid if dest == self.local else self._uuid_of(dest)
        return (*body, ("destuuid", uuid)) if uuid is not None else body

    def _uuid_of(self, node: str) -> bytes | None:
        peer = self.peers.get(self.names.get(node.lower(), node))
        return peer.uuid if peer is not None else None

    def _addressed(self, msgtype: str, dest: str, extra: tuple[BodyField, ...]) -> Send:
        """An unsequenced NS_* message addressed to ``dest`` (field order: docs/heartbeat/wire.md
        §4)."""
        body: tuple[BodyField, ...] = (("t", msgtype), ("dest", dest), *extra)
        return Send(self._with_destuuid(body), None, f"{msgtype} to {dest}")

    def _request(self, peer: Peer, seq: int, req: RexmitRequest, now: float) -> list[Action]:
        req.tries += 1
        req.next_at = now + self.rexmit_delay_s
        return [
            self._addressed("NS_rexmit", peer.name, (("firstseq", str(seq)), ("lastseq", str(seq))))
        ]

    # -- receiving ------------------------------------------------------------------

    def _deadtime(self, peer: Peer) -> float:
        """The peer's deadtime: what it announces in ``dt`` (Heartbeat honours it: a
        node announces deadtime + 2 s for its first seconds), never below ours and at
        most 2 s above it, so a peer cannot make itself immortal."""
        if peer.announced_dt_s is None:
            return self.deadtime_s
        return min(max(peer.announced_dt_s, self.deadtime_s), self.deadtime_s + DT_GRACE_S)

    def _count(self, reason: str) -> None:
        self.counters[reason] = self.counters.get(reason, 0) + 1

    def _drop(
        self, reason: str, level: Level | None = None, text: str = "", key: str = ""
    ) -> list[Action]:
        self._count(reason)
        if level is None or (key and key in self._strangers):
            return []
        if key and len(self._strangers) < MAX_LOGGED_STRANGERS:
            self._strangers.add(key)
        return [notices.dropped(level, text, reason)]
