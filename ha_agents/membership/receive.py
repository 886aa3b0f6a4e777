"""The receive path of the membership engine: source checks, (hg, seq) rules, gaps and
retransmission requests, and what each message type does.  Pure."""

from __future__ import annotations

from ha_agents.membership import notices
from ha_agents.membership.actions import (
    Action,
    LinkStateChanged,
    NodeReturned,
    NodeStatusChanged,
    NodeUp,
    PeerShutdown,
    Resend,
    Upcall,
)
from ha_agents.membership.core import (
    DUP_LINK_WINDOW,
    EPS,
    MAX_REQUESTS_PER_GAP,
    MAX_REXMIT_RANGE,
    OWN_TYPES,
    EngineCore,
    _hex,
    _parse_dec,
    _parse_hex,
)
from ha_agents.membership.events import BodyField, InMessage, PacketReceived
from ha_agents.membership.peers import MAX_HELD, Peer, RexmitRequest, SeqVerdict
from ha_agents.membership.states import (
    LinkStatus,
    NodeStatus,
    PeerEvent,
    PeerState,
    peer_transition,
)
from ha_agents.notice import Level


class Receiving(EngineCore):
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
        if self._foreign_source(peer, ev):
            return self._drop(
                "source_mismatch",
                Level.ERROR,
                f"Dropped message claiming to be from node [{peer.name}] from {ev.source} "
                f"on {ev.link}: it is alive at {peer.link(ev.link).source}",
                key=f"spoof:{peer.name}:{ev.source}",
            )
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
            out.append(notices.peer_restart(peer.name))
            out.append(NodeReturned(peer.name, old_hg, hg, "higher generation"))
            peer.state = peer_transition(peer.state, PeerEvent.RESTARTED)
            peer.rexmit.clear()
            peer.held.clear()
            peer.last_status = None
        else:
            peer.state = peer_transition(peer.state, PeerEvent.HEARD)
        peer.last_heard = now
        out.extend(self._link_heard(peer, ev.link, now))
        # Dead but the same generation as before: a partition healed.  A peer never heard
        # before (declared dead at initdead) is just starting: Heartbeat logs nothing then
        # either (its check needs a known generation).
        returned = was is PeerState.DEAD and verdict is not SeqVerdict.RESTART
        returned = returned and old_hg is not None
        if returned:
            out.extend(notices.returning_after_partition(peer.name))
            # Its next status would be 'late' by the whole partition: that CRIT (which
            # Heartbeat adds) would say the same event twice.
            peer.last_status = None
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

    def _foreign_source(self, peer: Peer, ev: PacketReceived) -> bool:
        """A message naming a peer that is alive and heard on this link from another
        address within its deadtime: a spoof (Heartbeat binds no name to an address,
        docs/heartbeat/wire.md §8).  A new address is accepted once the old one has been
        silent for the peer's deadtime (a re-addressed or restarted node rejoins then)."""
        rec = peer.links.get(ev.link)
        return (
            rec is not None
            and rec.source is not None
            and rec.source != ev.source
            and rec.status is LinkStatus.UP
            and rec.last_heard is not None
            and ev.now < rec.last_heard + self._deadtime(peer) - EPS
        )

    def _track_source(self, peer: Peer, ev: PacketReceived) -> list[Action]:
        rec = peer.link(ev.link)
        old, rec.source = rec.source, ev.source
        if old is None or old == ev.source:
            return []
        self._count("source_changed")
        return [notices.source_changed(peer.name, ev.link, old, ev.source)]

    def _link_heard(self, peer: Peer, link: str, now: float) -> list[Action]:
        rec = peer.link(link)
        rec.last_heard = now
        if rec.status is LinkStatus.UP:
            return []
        rec.status = LinkStatus.UP
        return [
            notices.link_up(peer.name, link),
            LinkStateChanged(peer.name, link, LinkStatus.UP, "heard"),
        ]

    def _gaps(
        self, peer: Peer, seq: int, prev_high: int, missing: list[int], now: float
    ) -> list[Action]:
        out: list[Action] = []
        if seq in peer.rexmit:
            del peer.rexmit[seq]
            if not peer.rexmit:
                out.append(notices.no_pkts_missing(peer.name))
        if missing:
            self._count("lost_packets")
            out.append(notices.lost_packets(peer.name, len(missing), prev_high, seq))
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
                notices.shutdown_notice(peer.name),
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
                if interval > self.warntime_s + EPS:
                    over = interval > self.deadtime_s + EPS
                    out.append(notices.late_heartbeat(peer.name, ms, over))
            peer.last_status = now
        if st is not peer.status and peer.state is not PeerState.LEAVING:
            old, peer.status = peer.status, st
            out.append(notices.peer_status(peer.name, st.value))
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
