"""The membership engine: Heartbeat 3.0.6's heartbeat/membership semantics, sans I/O.

``Engine.handle(event) -> list[Action]``; ``Engine.next_deadline()`` tells the daemon when
to send the next ``Tick``.  What it implements (docs/heartbeat/protocol.md,
docs/heartbeat/wire.md §4-6):

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
  a forgery; a node's source address per link is remembered: a message naming a peer
  that is alive on that link from another address is dropped (``source_mismatch``), a
  change after the old address was silent for deadtime is logged and counted.

Messages of other types go to the upper layer as ``Upcall`` in the sender's seq order.
"""

from __future__ import annotations

from ha_agents.config.model import ClusterConfig
from ha_agents.membership import notices
from ha_agents.membership.actions import (
    Action,
    LinkStateChanged,
    LocalActive,
    NodeDead,
    NodeStatusChanged,
)
from ha_agents.membership.core import EARLY_DT_S, EPS
from ha_agents.membership.events import (
    Event,
    PacketReceived,
    PacketRejected,
    PingHeard,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)
from ha_agents.membership.peers import Peer
from ha_agents.membership.receive import Receiving
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

__all__ = ["EARLY_DT_S", "Engine"]


class Engine(Receiving):
    def handle(self, event: Event) -> list[Action]:
        if self.stopped:
            return []
        if isinstance(event, Start):
            return self._start(event.now)
        if self.started_at is None:
            return []
        self._resumed(event.now)
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
        elif isinstance(event, PingHeard):
            out = self.pings.heard(event.host, event.now)
        else:  # pragma: no cover - exhaustive union
            raise TypeError(event)
        return out + self._maybe_comm_up(event.now)

    def _resumed(self, now: float) -> None:
        """Nothing happened here for longer than deadtime (we tick every keepalive):
        this process was stopped (SIGSTOP, a paused VM).  The peers' next heartbeats are
        late only by our own freeze, so they are not measured against the last ones."""
        last, self.last_event_at = self.last_event_at, now
        if last is not None and now - last > self.deadtime_s:
            for peer in self.peers.values():
                peer.last_status = None

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
        ping_due = self.pings.next_deadline()
        if ping_due is not None:
            times.append(ping_due)
        return min(times)

    def settled(self) -> bool:
        """Active, every peer alive, nothing to retransmit or hold: nothing is waiting on
        a datagram to arrive promptly (the daemon may read them at its next timer)."""
        if self.stopped or self.status is not NodeStatus.ACTIVE:
            return False
        return all(
            p.state is PeerState.ALIVE and not p.rexmit and not p.held and not p.wants_repnodes
            for p in self.peers.values()
        )

    def peer_sources(self, link: str) -> frozenset[str] | None:
        """The addresses every peer is heard from on ``link``, once every peer is alive
        there (the daemon then lets only these through its socket filter); None while a
        peer is not alive or not heard on ``link`` (anyone may be a peer then)."""
        found = set()
        for peer in self.peers.values():
            rec = peer.links.get(link)
            if (
                peer.state not in (PeerState.ALIVE, PeerState.LEAVING)
                or rec is None
                or rec.status is not LinkStatus.UP
                or rec.source is None
            ):
                return None
            found.add(rec.source)
        return frozenset(found) if found else None

    def retime(self, config: ClusterConfig, now: float) -> None:
        """A configuration reload: take the timers (and parameters) of ``config``.

        The node list must be the same (the caller refuses a reload that changes it).
        The next keepalive is due at most one new keepalive from ``now``; deadlines of
        peers already heard use the new deadtime from here on."""
        hacf = config.hacf
        self.config = config
        self.keepalive_s = hacf.keepalive_ms / 1000
        self.deadtime_s = hacf.deadtime_ms / 1000
        self.warntime_s = hacf.effective_warntime_ms / 1000
        self.initdead_s = hacf.effective_initdead_ms / 1000
        self.pings.retime(hacf.effective_deadping_ms / 1000)
        if self.next_status_at is not None:
            self.next_status_at = min(self.next_status_at, now + self.keepalive_s)

    def set_links(self, names: tuple[str, ...]) -> None:
        """A reload reopened the media: this node's link names (cl_status listhblinks)."""
        self.links = names

    def snapshot(self, now: float) -> MembershipSnapshot:
        views = {p.name.lower(): self._peer_view(p, now) for p in self.peers.values()}
        local_links = tuple(
            LinkView(name, LinkStatus.DEAD if self.stopped else LinkStatus.UP, None, None)
            for name in self.links
        )
        views[self.local.lower()] = NodeView(
            self.local,
            self.status.value,
            "local",
            local_links,
            0.0,
            self.generation,
            self.uuid.hex(),
            deadtime_ms=self.announced_dt_ms,
        )
        # ha.cf order, this node at its place (cl_status listnodes prints it reversed)
        order = [n.lower() for n in self.config.hacf.nodes]
        nodes = [views.pop(k) for k in order if k in views] + list(views.values())
        nodes.extend(self.pings.views(now))
        return MembershipSnapshot(
            self.local,
            self.status.value,
            self.generation,
            self.uuid.hex(),
            self.seq,
            tuple(nodes),
            tuple(sorted(self.counters.items())),
            self.order,
        )

    # -- local status and sending ---------------------------------------------------

    def _start(self, now: float) -> list[Action]:
        if self.started_at is not None:
            return []
        self.started_at = now
        self.pings.start(now)
        self.initdead_at = now + self.initdead_s
        self.next_status_at = now + self.keepalive_s
        out: list[Action] = [self._status_msg(now, "start")]
        self.status = local_transition(self.status, LocalEvent.STARTED)
        out.append(notices.local_status("up"))
        out.append(self._status_msg(now, "local status changed"))
        for link in self.links:
            out.append(notices.link_up(self.local, link))
        return out + self._maybe_comm_up(now)

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
            notices.comm_up(),
            notices.local_status("active"),
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
        out.extend(self.pings.tick(now))
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
            out.append(notices.peer_dead(peer.name))
            old, peer.status = peer.status, NodeStatus.DEAD
            out.append(NodeStatusChanged(peer.name, old, NodeStatus.DEAD, "silent for deadtime"))
            out.append(NodeDead(peer.name, "silent for deadtime", clean=clean))
            peer.rexmit.clear()
            out.extend(self._flush_held(peer, everything=True))
        for link, rec in peer.links.items():
            due = rec.last_heard is not None and now + EPS >= rec.last_heard + self._deadtime(peer)
            if rec.status is LinkStatus.UP and (due or peer.state is PeerState.DEAD):
                rec.status = LinkStatus.DEAD
                out.append(notices.link_dead(peer.name, link))
                out.append(LinkStateChanged(peer.name, link, LinkStatus.DEAD, "silent"))
        for seq in sorted(peer.rexmit):
            req = peer.rexmit[seq]
            if now + EPS < req.next_at:
                continue
            if req.tries >= self.max_rexmit_tries:
                del peer.rexmit[seq]
                peer.seq.give_up(seq)
                self._count("rexmit_given_up")
                out.append(notices.rexmit_given_up(peer.name, seq))
                out.extend(self._flush_held(peer))
                continue
            out.extend(self._request(peer, seq, req, now))
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
        dt = None if peer.announced_dt_s is None else round(peer.announced_dt_s * 1000)
        return NodeView(
            peer.name,
            status,
            peer.state.value,
            tuple(links),
            age,
            peer.seq.hg,
            uuid,
            deadtime_ms=dt,
        )
