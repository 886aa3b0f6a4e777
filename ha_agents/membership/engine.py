"""The membership engine: Heartbeat 3.0.6's heartbeat/membership semantics, sans I/O.

``Engine.handle(event) -> list[Action]``; ``Engine.next_deadline()`` tells the daemon when
to send the next ``Tick``.  What it implements (spec: protocol.md, wire.md §4-6):

* keepalive: ``status`` every keepalive (drift-free: the next one is due one keepalive
  after the previous *due* time), plus at once on every local status change
  (init -> up at start, up -> active when every peer is heard or initdead is over);
* deadtime per node (any link) and per link; initdead for peers never heard;
  warntime: ``Late heartbeat`` on a status arriving late;
* (hg, seq) per peer: duplicates dropped, a lower generation dropped as a replay, a higher
  one is a restart; seq gaps are requested with ``NS_rexmit`` (one per missing seq, again
  every ``rexmit_delay`` up to ``max_rexmit_tries``); a peer's ``NS_rexmit`` is answered
  with ``Resend`` (the daemon re-sends the stored bytes); ``NS_ackmsg`` every
  ``ack_every`` messages of a peer; ``reqnodes``/``repnodes`` on join; ``shutdone``;
* hardening: ``src`` must be a cluster node; this node's name from a non-local address is
  a forgery; a node's source address per link is remembered, a change logged and counted.

Messages of other types go to the upper layer as ``Upcall`` in the sender's seq order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ha_agents.config.model import ClusterConfig
from ha_agents.membership.actions import (
    Action,
    Level,
    LinkStateChanged,
    LocalActive,
    NodeDead,
    NodeReturned,
    NodeStatusChanged,
    NodeUp,
    Notice,
    PeerShutdown,
    Resend,
    Send,
    Upcall,
)
from ha_agents.membership.events import (
    BodyField,
    Event,
    InMessage,
    PacketReceived,
    PacketRejected,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)
from ha_agents.membership.peers import MAX_HELD, Peer, RexmitRequest, SeqVerdict
from ha_agents.membership.snapshot import LinkView, MembershipSnapshot, NodeView
from ha_agents.membership.states import (
    LinkStatus,
    LocalEvent,
    NodeStatus,
    PeerEvent,
    PeerState,
    local_transition,
    peer_transition,
)

#: Types membership consumes itself; everything else is an Upcall.
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


class Engine:
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
        self.initdead_at: float | None = None
        self.stopped = False
        self.counters: dict[str, int] = {}
        self._strangers: set[str] = set()

    # -- public ------------------------------------------------------------------

    def handle(self, event: Event) -> list[Action]:
        if self.stopped:
            return []
        if isinstance(event, Start):
            return self._start(event.now)
        if self.started_at is None:
            return []
        if isinstance(event, PacketReceived):
            out = self._receive(event)
        elif isinstance(event, PacketRejected):
            self._count(event.reason)
            out = []
        elif isinstance(event, Tick):
            out = self._tick(event.now)
        elif isinstance(event, SendMessage):
            out = [self._send(self._with_destuuid(event.body), event.now, "upper layer")]
        elif isinstance(event, Shutdown):
            return self._shutdown(event.now)
        else:  # pragma: no cover - exhaustive union
            raise TypeError(event)
        return out + self._maybe_comm_up(event.now)

    def next_deadline(self) -> float | None:
        """The earliest monotonic time at which a Tick changes something."""
        if self.stopped or self.next_status_at is None:
            return None
        times = [self.next_status_at]
        if self.status is NodeStatus.UP and self.initdead_at is not None:
            times.append(self.initdead_at)
        for peer in self.peers.values():
            if peer.state is PeerState.UNKNOWN and self.initdead_at is not None:
                times.append(self.initdead_at)
            if peer.state in (PeerState.ALIVE, PeerState.LEAVING) and peer.last_heard:
                times.append(peer.last_heard + self._deadtime(peer))
            for rec in peer.links.values():
                if rec.status is LinkStatus.UP and rec.last_heard is not None:
                    times.append(rec.last_heard + self._deadtime(peer))
            times.extend(r.next_at for r in peer.rexmit.values())
        return min(times)

    def snapshot(self, now: float) -> MembershipSnapshot:
        nodes = [self._peer_view(p, now) for p in self.peers.values()]
        local_links = tuple(
            LinkView(name, LinkStatus.DEAD if self.stopped else LinkStatus.UP, None, None)
            for name in self.links
        )
        nodes.append(
            NodeView(
                self.local,
                self.status.value,
                "local",
                local_links,
                0.0,
                self.generation,
                self.uuid.hex(),
            )
        )
        return MembershipSnapshot(
            self.local,
            self.status.value,
            self.generation,
            self.uuid.hex(),
            self.seq,
            tuple(nodes),
            tuple(sorted(self.counters.items())),
        )

    # -- local status and sending ---------------------------------------------------

    def _start(self, now: float) -> list[Action]:
        if self.started_at is not None:
            return []
        self.started_at = now
        self.initdead_at = now + self.initdead_s
        self.next_status_at = now + self.keepalive_s
        out: list[Action] = [self._status_msg(now, "start")]
        self.status = local_transition(self.status, LocalEvent.STARTED)
        out.append(Notice(Level.INFO, "Local status now set to: 'up'", (("status", "up"),)))
        out.append(self._status_msg(now, "local status changed"))
        for link in self.links:
            out.append(
                Notice(
                    Level.INFO,
                    f"Link {self.local}:{link} up.",
                    (("event", "link_up"), ("node", self.local), ("link", link)),
                )
            )
        return out + self._maybe_comm_up(now)

    def _status_msg(self, now: float, reason: str) -> Send:
        assert self.started_at is not None
        early = now - self.started_at < EARLY_DT_S
        dt_ms = self.config.hacf.deadtime_ms + (2000 if early else 0)
        self.last_status_sent = now
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
        """An unsequenced NS_* message addressed to ``dest`` (field order of wire.md §4)."""
        body: tuple[BodyField, ...] = (("t", msgtype), ("dest", dest), *extra)
        return Send(self._with_destuuid(body), None, f"{msgtype} to {dest}")

    def _maybe_comm_up(self, now: float) -> list[Action]:
        if self.status is not NodeStatus.UP or self.stopped:
            return []
        waiting = [
            p for p in self.peers.values() if p.state is PeerState.UNKNOWN or p.wants_repnodes
        ]
        assert self.initdead_at is not None
        if waiting and now + EPS < self.initdead_at:
            return []
        self.status = local_transition(self.status, LocalEvent.COMM_UP)
        dead = tuple(p.name for p in self.peers.values() if p.state is not PeerState.ALIVE)
        return [
            Notice(Level.INFO, "Comm_now_up(): updating status to active"),
            Notice(Level.INFO, "Local status now set to: 'active'", (("status", "active"),)),
            self._status_msg(now, "local status changed"),
            LocalActive(dead, "initdead over" if dead else "all peers heard"),
        ]

    def _shutdown(self, now: float) -> list[Action]:
        self.status = local_transition(self.status, LocalEvent.SHUTDOWN)
        out: list[Action] = [self._send((("t", "shutdone"), ("st", "dead")), now, "shutdown")]
        self.stopped = True
        return out

    # -- timers -----------------------------------------------------------------------

    def _tick(self, now: float) -> list[Action]:
        out: list[Action] = []
        for peer in self.peers.values():
            out.extend(self._check_peer(peer, now))
        out.extend(self._maybe_comm_up(now))
        assert self.next_status_at is not None
        if now + EPS >= self.next_status_at:
            if self.last_status_sent != now:  # a status change just sent one
                out.append(self._status_msg(now, "keepalive"))
            self.next_status_at += self.keepalive_s
            if self.next_status_at <= now:  # the loop stalled: skip, don't burst
                self.next_status_at = now + self.keepalive_s
        return out

    def _check_peer(self, peer: Peer, now: float) -> list[Action]:
        out: list[Action] = []
        silent = (
            peer.state in (PeerState.ALIVE, PeerState.LEAVING)
            and peer.last_heard is not None
            and now + EPS >= peer.last_heard + self._deadtime(peer)
        ) or (
            peer.state is PeerState.UNKNOWN
            and self.initdead_at is not None
            and now + EPS >= self.initdead_at
        )
        if silent:
            clean = peer.state is PeerState.LEAVING
            peer.state = peer_transition(peer.state, PeerEvent.SILENT)
            out.append(
                Notice(
                    Level.WARN,
                    f"node {peer.name}: is dead",
                    (("event", "peer_dead"), ("node", peer.name)),
                )
            )
            old, peer.status = peer.status, NodeStatus.DEAD
            out.append(NodeStatusChanged(peer.name, old, NodeStatus.DEAD, "silent for deadtime"))
            out.append(NodeDead(peer.name, "silent for deadtime", clean=clean))
            peer.rexmit.clear()
            out.extend(self._flush_held(peer, everything=True))
        for link, rec in peer.links.items():
            due = rec.last_heard is not None and now + EPS >= rec.last_heard + self._deadtime(peer)
            if rec.status is LinkStatus.UP and (due or peer.state is PeerState.DEAD):
                rec.status = LinkStatus.DEAD
                out.append(
                    Notice(
                        Level.INFO,
                        f"Link {peer.name}:{link} dead.",
                        (("event", "link_dead"), ("node", peer.name), ("link", link)),
                    )
                )
                out.append(LinkStateChanged(peer.name, link, LinkStatus.DEAD, "silent"))
        for seq in sorted(peer.rexmit):
            req = peer.rexmit[seq]
            if now + EPS < req.next_at:
                continue
            if req.tries >= self.max_rexmit_tries:
                del peer.rexmit[seq]
                peer.seq.give_up(seq)
                self._count("rexmit_given_up")
                out.append(
                    Notice(
                        Level.WARN,
                        f"Gave up on lost packet {seq} from {peer.name}",
                        (("event", "rexmit_given_up"), ("node", peer.name)),
                    )
                )
                out.extend(self._flush_held(peer))
                continue
            out.extend(self._request(peer, seq, req, now))
        return out

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
        return [Notice(level, text, (("event", "drop"), ("reason", reason)))]

    def _receive(self, ev: PacketReceived) -> list[Action]:
        msg = ev.message
        src, msgtype = msg.get("src"), msg.get("t")
        hg = _parse_hex(msg.get("hg"))
        if src is None or msgtype is None or hg is None:
            return self._drop("malformed")
        name = self.names.get(src.lower())
        if name is None:
            return self._drop(
                "unknown_node",
                Level.WARN,
                f"Dropped message from unknown node [{src}] at {ev.source}",
                key=f"node:{src}",
            )
        if name == self.local:
            if ev.source in self.local_addresses:
                self._count("own_echo")
                return []
            return self._drop(
                "forged_self",
                Level.ERROR,
                f"Dropped message claiming to be from this node [{name}] "
                f"from foreign address {ev.source}",
                key=f"self:{ev.source}",
            )
        peer = self.peers[name]
        seq_text = msg.get("seq")
        if seq_text is None:
            return self._unsequenced(peer, msg, msgtype, hg)
        seq = _parse_hex(seq_text)
        if seq is None:
            return self._drop("malformed")
        return self._sequenced(peer, ev, msgtype, hg, seq)

    def _unsequenced(self, peer: Peer, msg: InMessage, msgtype: str, hg: int) -> list[Action]:
        if peer.seq.hg is not None and hg < peer.seq.hg:
            return self._replay(peer, hg)
        if msgtype != "NS_rexmit" or msg.get("dest") != self.local:
            return []
        first, last = _parse_dec(msg.get("firstseq")), _parse_dec(msg.get("lastseq"))
        if first is None or last is None or last < first:
            return self._drop("malformed")
        last = min(last, first + MAX_REXMIT_RANGE - 1, self.seq)
        self._count("rexmit_answered")
        return [Resend(s, f"NS_rexmit from {peer.name}") for s in range(first, last + 1)]

    def _replay(self, peer: Peer, hg: int) -> list[Action]:
        return self._drop(
            "replay_old_generation",
            Level.ERROR,
            f"should_drop_message: attempted replay attack [{peer.name}]? "
            f"[gen = {hg}, curgen = {peer.seq.hg}]",
        )

    def _sequenced(
        self, peer: Peer, ev: PacketReceived, msgtype: str, hg: int, seq: int
    ) -> list[Action]:
        now, msg = ev.now, ev.message
        out: list[Action] = []
        old_hg, prev_high = peer.seq.hg, peer.seq.highest
        verdict, missing = peer.seq.accept(hg, seq)
        if verdict is SeqVerdict.REPLAY:
            return self._replay(peer, hg)
        out.extend(self._track_source(peer, ev))
        if verdict is SeqVerdict.DUPLICATE:
            self._count("duplicate")
            if seq + DUP_LINK_WINDOW >= peer.seq.highest:
                out.extend(self._link_heard(peer, ev.link, now))
            return out
        uuid = msg.get_bytes("srcuuid")
        if uuid is not None and len(uuid) == 16:
            peer.uuid = uuid
        was = peer.state
        if verdict is SeqVerdict.RESTART:
            assert old_hg is not None
            out.append(
                Notice(
                    Level.INFO,
                    f"Heartbeat restart on node {peer.name}",
                    (("event", "peer_restart"), ("node", peer.name)),
                )
            )
            out.append(NodeReturned(peer.name, old_hg, hg, "higher generation"))
            peer.state = peer_transition(peer.state, PeerEvent.RESTARTED)
            peer.rexmit.clear()
            peer.held.clear()
            peer.last_status = None
        else:
            peer.state = peer_transition(peer.state, PeerEvent.HEARD)
        peer.last_heard = now
        out.extend(self._link_heard(peer, ev.link, now))
        if was is PeerState.DEAD and verdict is not SeqVerdict.RESTART:
            out.append(
                Notice(
                    Level.CRIT,
                    f"Cluster node {peer.name} returning after partition.",
                    (("event", "peer_returned"), ("node", peer.name)),
                )
            )
        if was in (PeerState.UNKNOWN, PeerState.DEAD):
            out.append(NodeUp(peer.name, "heard"))
        out.extend(self._gaps(peer, seq, prev_high, missing, now))
        out.extend(self._dispatch(peer, msg, msgtype, seq, now))
        peer.since_ack += 1
        if peer.since_ack >= self.ack_every:
            peer.since_ack = 0
            out.append(
                self._addressed("NS_ackmsg", peer.name, (("ackseq", _hex(peer.seq.ackseq)),))
            )
        return out

    def _track_source(self, peer: Peer, ev: PacketReceived) -> list[Action]:
        rec = peer.link(ev.link)
        old, rec.source = rec.source, ev.source
        if old is None or old == ev.source:
            return []
        self._count("source_changed")
        return [
            Notice(
                Level.WARN,
                f"Source address of node {peer.name} on link {ev.link} "
                f"changed from {old} to {ev.source}",
                (("event", "source_changed"), ("node", peer.name), ("link", ev.link)),
            )
        ]

    def _link_heard(self, peer: Peer, link: str, now: float) -> list[Action]:
        rec = peer.link(link)
        rec.last_heard = now
        if rec.status is LinkStatus.UP:
            return []
        rec.status = LinkStatus.UP
        return [
            Notice(
                Level.INFO,
                f"Link {peer.name}:{link} up.",
                (("event", "link_up"), ("node", peer.name), ("link", link)),
            ),
            LinkStateChanged(peer.name, link, LinkStatus.UP, "heard"),
        ]

    def _gaps(
        self, peer: Peer, seq: int, prev_high: int, missing: list[int], now: float
    ) -> list[Action]:
        out: list[Action] = []
        if seq in peer.rexmit:
            del peer.rexmit[seq]
            if not peer.rexmit:
                out.append(Notice(Level.INFO, f"No pkts missing from {peer.name}!"))
        if missing:
            self._count("lost_packets")
            out.append(
                Notice(
                    Level.WARN,
                    f"{len(missing)} lost packet(s) for [{peer.name}] [{prev_high}:{seq}]",
                    (("event", "lost"), ("node", peer.name)),
                )
            )
            for lost in missing[:MAX_REQUESTS_PER_GAP]:
                req = peer.rexmit[lost] = RexmitRequest(now)
                out.extend(self._request(peer, lost, req, now))
            for lost in missing[MAX_REQUESTS_PER_GAP:]:
                peer.seq.give_up(lost)
        return out

    def _dispatch(
        self, peer: Peer, msg: InMessage, msgtype: str, seq: int, now: float
    ) -> list[Action]:
        dest = msg.get("dest")
        if dest is not None and dest.lower() != self.local.lower():
            return self._flush_held(peer)
        if msgtype == "status":
            return self._status(peer, msg, seq, now) + self._flush_held(peer)
        if msgtype == "shutdone":
            peer.state = peer_transition(peer.state, PeerEvent.SHUTDOWN)
            old, peer.status = peer.status, NodeStatus.DEAD
            return [
                Notice(
                    Level.INFO,
                    f"Received shutdown notice from '{peer.name}'.",
                    (("event", "peer_shutdown"), ("node", peer.name)),
                ),
                NodeStatusChanged(peer.name, old, NodeStatus.DEAD, "shutdone"),
                PeerShutdown(peer.name, "shutdone"),
                *self._flush_held(peer),
            ]
        if msgtype == "reqnodes":
            nodelist = "".join(f"{n} " for n in self.config.hacf.nodes)
            body: tuple[BodyField, ...] = (
                ("dest", peer.name),
                ("t", "repnodes"),
                ("nodelist", nodelist),
                ("delnodelist", " "),
            )
            return [
                self._send(self._with_destuuid(body), now, f"reqnodes from {peer.name}"),
                *self._flush_held(peer),
            ]
        if msgtype == "repnodes":
            peer.wants_repnodes = False
            return self._flush_held(peer)
        if msgtype in OWN_TYPES:
            return self._flush_held(peer)
        peer.held[seq] = msg
        return self._flush_held(peer, everything=len(peer.held) > MAX_HELD)

    def _flush_held(self, peer: Peer, everything: bool = False) -> list[Action]:
        ready = sorted(s for s in peer.held if everything or s <= peer.seq.ackseq)
        out: list[Action] = []
        for s in ready:
            msg = peer.held.pop(s)
            out.append(Upcall(peer.name, msg, msg.get("t") or "", f"seq {s}"))
        return out

    def _status(self, peer: Peer, msg: InMessage, seq: int, now: float) -> list[Action]:
        out: list[Action] = []
        st_text = msg.get("st")
        try:
            st = NodeStatus(st_text) if st_text is not None else None
        except ValueError:
            st = None
        if st is None:
            self._count("malformed")
            return out
        dt_ms = _parse_hex(msg.get("dt"))
        if dt_ms is not None and seq == peer.seq.highest:
            peer.announced_dt_s = dt_ms / 1000
        if seq == peer.seq.highest:
            if peer.last_status is not None:
                interval = now - peer.last_status
                ms = round(interval * 1000)
                if interval > self.deadtime_s + EPS:
                    out.append(
                        Notice(
                            Level.CRIT,
                            f"Late heartbeat: Node {peer.name}: interval {ms} ms (> deadtime)",
                            (("event", "late"), ("node", peer.name)),
                        )
                    )
                elif interval > self.warntime_s + EPS:
                    out.append(
                        Notice(
                            Level.WARN,
                            f"Late heartbeat: Node {peer.name}: interval {ms} ms",
                            (("event", "late"), ("node", peer.name)),
                        )
                    )
            peer.last_status = now
        if st is not peer.status and peer.state is not PeerState.LEAVING:
            old, peer.status = peer.status, st
            out.append(
                Notice(
                    Level.INFO,
                    f"Status update for node {peer.name}: status {st.value}",
                    (("event", "peer_status"), ("node", peer.name)),
                )
            )
            out.append(NodeStatusChanged(peer.name, old, st, "status message"))
        if (
            self.status is NodeStatus.UP
            and st is NodeStatus.ACTIVE
            and not peer.wants_repnodes
            and not peer.asked_nodes
        ):
            peer.wants_repnodes = True
            peer.asked_nodes = True
            body: tuple[BodyField, ...] = (("t", "reqnodes"), ("dest", peer.name))
            out.append(self._send(self._with_destuuid(body), now, "joining"))
        return out

    def _peer_view(self, peer: Peer, now: float) -> NodeView:
        links = []
        for name in dict.fromkeys((*self.links, *peer.links)):
            rec = peer.links.get(name)
            if rec is None:
                links.append(LinkView(name, LinkStatus.DEAD, None, None))
                continue
            age = None if rec.last_heard is None else now - rec.last_heard
            links.append(LinkView(name, rec.status, age, rec.source))
        alive = peer.state in (PeerState.ALIVE, PeerState.LEAVING)
        status = peer.status.value if peer.status is not None and alive else "dead"
        age = None if peer.last_heard is None else now - peer.last_heard
        uuid = peer.uuid.hex() if peer.uuid is not None else None
        return NodeView(peer.name, status, peer.state.value, tuple(links), age, peer.seq.hg, uuid)
