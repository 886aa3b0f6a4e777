"""Per-peer bookkeeping: generation and sequence tracking, gaps, links, last heard.

``SeqTracker.accept(hg, seq)`` is the receive rule of Heartbeat (docs/heartbeat/wire.md §5): a lower
generation is a replay, a higher one a restart, an (hg, seq) already seen a duplicate;
a seq beyond the next expected one opens a gap that retransmission requests try to fill.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ha_agents.membership.events import InMessage
from ha_agents.membership.states import LinkStatus, NodeStatus, PeerState

#: A seq this far beyond the highest seen is not treated as a gap to fill (a peer that
#: sent thousands of messages while we could not hear it): tracking restarts there.
MAX_GAP = 100
#: In-order delivery holds at most this many early messages per peer.
MAX_HELD = 200


class SeqVerdict(enum.Enum):
    NEW = "new"  # first message from this node, or next in order / fills a gap
    GAP = "gap"  # accepted, and seq numbers between were missed
    RESTART = "restart"  # higher generation than before
    DUPLICATE = "duplicate"
    REPLAY = "replay_old_generation"


@dataclass(slots=True)
class SeqTracker:
    hg: int | None = None
    ackseq: int = 0  # highest seq received with every lower one received (or given up)
    highest: int = 0
    seen: set[int] = field(default_factory=set)  # received seqs above ackseq

    def accept(self, hg: int, seq: int) -> tuple[SeqVerdict, list[int]]:
        """Classify (hg, seq); on acceptance record it.  Returns the verdict and the seq
        numbers newly found missing (for NS_rexmit)."""
        if self.hg is not None and hg < self.hg:
            return SeqVerdict.REPLAY, []
        if self.hg is None or hg > self.hg:
            restarted = self.hg is not None
            self.hg = hg
            self.ackseq = 0 if restarted and seq <= MAX_GAP else seq - 1
            self.highest = self.ackseq
            self.seen.clear()
            missing = self._record(seq)
            return (SeqVerdict.RESTART if restarted else SeqVerdict.NEW), missing
        if seq <= self.ackseq or seq in self.seen:
            return SeqVerdict.DUPLICATE, []
        if seq > self.highest + MAX_GAP:
            self.ackseq = seq - 1
            self.highest = seq - 1
            self.seen.clear()
        missing = self._record(seq)
        return (SeqVerdict.GAP if missing else SeqVerdict.NEW), missing

    def _record(self, seq: int) -> list[int]:
        missing = list(range(self.highest + 1, seq)) if seq > self.highest + 1 else []
        self.seen.add(seq)
        self.highest = max(self.highest, seq)
        self._advance()
        return missing

    def _advance(self) -> None:
        while self.ackseq + 1 in self.seen:
            self.ackseq += 1
            self.seen.discard(self.ackseq)

    def give_up(self, seq: int) -> None:
        """Stop waiting for ``seq``: treat it as received for ordering."""
        if seq > self.ackseq and seq not in self.seen:
            self.seen.add(seq)
            self._advance()

    def missing(self) -> list[int]:
        return [s for s in range(self.ackseq + 1, self.highest) if s not in self.seen]


@dataclass(slots=True)
class LinkRecord:
    status: LinkStatus = LinkStatus.DEAD
    last_heard: float | None = None
    source: str | None = None


@dataclass(slots=True)
class RexmitRequest:
    next_at: float
    tries: int = 0


@dataclass(slots=True)
class Peer:
    name: str
    state: PeerState = PeerState.UNKNOWN
    status: NodeStatus | None = None  # last st= it announced (None: never heard)
    uuid: bytes | None = None
    seq: SeqTracker = field(default_factory=SeqTracker)
    last_heard: float | None = None  # last accepted (non-duplicate) message
    last_status: float | None = None  # last status message (for Late heartbeat)
    announced_dt_s: float | None = None  # its dt= (its deadtime), seconds
    links: dict[str, LinkRecord] = field(default_factory=dict)
    rexmit: dict[int, RexmitRequest] = field(default_factory=dict)
    held: dict[int, InMessage] = field(default_factory=dict)  # out-of-order upcalls
    since_ack: int = 0
    wants_repnodes: bool = False
    asked_nodes: bool = False
    lost_reported: bool = False

    def link(self, name: str) -> LinkRecord:
        rec = self.links.get(name)
        if rec is None:
            rec = self.links[name] = LinkRecord()
        return rec
