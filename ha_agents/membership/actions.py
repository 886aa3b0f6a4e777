"""Outputs of the membership engine (every action carries a reason).

Two kinds:

* effects for the daemon: ``Send`` (envelope, sign, send on every medium), ``Resend``
  (re-send the stored datagram of one of our seq numbers byte for byte), ``Notice``
  (one log line, Heartbeat's text);
* cluster events for an upper layer (the failover resource manager): ``NodeUp``,
  ``NodeDead``, ``NodeReturned``, ``PeerShutdown``, ``LocalActive``, ``Upcall`` —
  plus ``NodeStatusChanged`` / ``LinkStateChanged`` for observers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.membership.events import BodyField, InMessage
from ha_agents.membership.states import LinkStatus, NodeStatus
from ha_agents.notice import Level as Level
from ha_agents.notice import Notice as Notice


@dataclass(frozen=True, slots=True)
class Send:
    """Send a message: ``body`` then the envelope ``src srcuuid [seq] hg ts [ld] ttl``.
    ``seq`` None = unsequenced (NS_ackmsg, NS_rexmit: no seq, no ld)."""

    body: tuple[BodyField, ...]
    seq: int | None
    reason: str

    @property
    def msgtype(self) -> str:
        for name, value in self.body:
            if name == "t" and isinstance(value, str):
                return value
        return ""


@dataclass(frozen=True, slots=True)
class Resend:
    """Re-send our datagram with this seq exactly as first sent (answer to NS_rexmit)."""

    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class NodeStatusChanged:
    node: str
    old: NodeStatus | None
    new: NodeStatus
    reason: str


@dataclass(frozen=True, slots=True)
class LinkStateChanged:
    node: str
    link: str
    new: LinkStatus
    reason: str


@dataclass(frozen=True, slots=True)
class NodeUp:
    """A peer is heard (first time, or again after being dead)."""

    node: str
    reason: str


@dataclass(frozen=True, slots=True)
class NodeDead:
    """A peer was silent for deadtime (or never heard within initdead)."""

    node: str
    reason: str
    clean: bool = False  # it had sent shutdone before going silent


@dataclass(frozen=True, slots=True)
class NodeReturned:
    """A peer restarted (higher generation)."""

    node: str
    old_generation: int
    new_generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class PeerShutdown:
    """A peer announced a clean shutdown (``shutdone``)."""

    node: str
    reason: str


@dataclass(frozen=True, slots=True)
class LocalActive:
    """Our status went ``active`` (Heartbeat's Comm_now_up): peers heard or initdead over.
    ``dead_peers`` are the peers never heard (declared dead at initdead)."""

    dead_peers: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Upcall:
    """A message of a type membership does not handle, for the upper layer, in the
    sender's seq order.  ``node`` is its ``src``."""

    node: str
    message: InMessage
    msgtype: str = ""
    reason: str = ""


Effect = Send | Resend | Notice
ClusterEvent = (
    (NodeStatusChanged | LinkStateChanged | NodeUp | NodeDead | NodeReturned | PeerShutdown)
    | LocalActive
    | Upcall
)
Action = Effect | ClusterEvent
