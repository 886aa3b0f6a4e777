"""Membership states and the one table of legal transitions.

Stdlib only.  ``NodeStatus`` is the word cl_status prints for a node; ``PeerState`` is
the engine's liveness verdict for a peer; ``LinkStatus`` the per-link verdict.
``transition(state, event)`` returns the next state or raises ``IllegalTransition``
(a bug in the engine: the state is left unchanged by the caller).
"""

from __future__ import annotations

import enum


class NodeStatus(enum.Enum):
    """The ``st`` values of Heartbeat's status messages (and cl_status ``nodestatus``)."""

    INIT = "init"
    UP = "up"
    ACTIVE = "active"
    DEAD = "dead"
    PING = "ping"  # a ping node that answers (never sent in a status message)


class LinkStatus(enum.Enum):
    UP = "up"
    DEAD = "dead"


class PeerState(enum.Enum):
    """Liveness of a peer as this node decides it."""

    UNKNOWN = "unknown"  # never heard since we started; initdead not yet over
    ALIVE = "alive"  # heard within deadtime
    LEAVING = "leaving"  # sent shutdone; still within deadtime of its last message
    DEAD = "dead"  # silent for deadtime, or never heard within initdead


class PeerEvent(enum.Enum):
    HEARD = "heard"  # an accepted (non-duplicate) message from the peer
    RESTARTED = "restarted"  # a message with a higher generation
    SHUTDOWN = "shutdown"  # a shutdone message
    SILENT = "silent"  # nothing heard for deadtime (or initdead for UNKNOWN)


class LocalEvent(enum.Enum):
    STARTED = "started"  # first status sent (init) -> up at once
    COMM_UP = "comm_up"  # all peers heard, or initdead over
    SHUTDOWN = "shutdown"


class IllegalTransition(Exception):
    def __init__(self, state: enum.Enum, event: enum.Enum) -> None:
        super().__init__(f"no transition from {state.name} on {event.name}")
        self.state = state
        self.event = event


PEER_TRANSITIONS: dict[tuple[PeerState, PeerEvent], PeerState] = {
    (PeerState.UNKNOWN, PeerEvent.HEARD): PeerState.ALIVE,
    (PeerState.UNKNOWN, PeerEvent.RESTARTED): PeerState.ALIVE,
    (PeerState.UNKNOWN, PeerEvent.SHUTDOWN): PeerState.LEAVING,
    (PeerState.UNKNOWN, PeerEvent.SILENT): PeerState.DEAD,
    (PeerState.ALIVE, PeerEvent.HEARD): PeerState.ALIVE,
    (PeerState.ALIVE, PeerEvent.RESTARTED): PeerState.ALIVE,
    (PeerState.ALIVE, PeerEvent.SHUTDOWN): PeerState.LEAVING,
    (PeerState.ALIVE, PeerEvent.SILENT): PeerState.DEAD,
    (PeerState.LEAVING, PeerEvent.RESTARTED): PeerState.ALIVE,
    (PeerState.LEAVING, PeerEvent.HEARD): PeerState.LEAVING,
    (PeerState.LEAVING, PeerEvent.SHUTDOWN): PeerState.LEAVING,
    (PeerState.LEAVING, PeerEvent.SILENT): PeerState.DEAD,
    (PeerState.DEAD, PeerEvent.HEARD): PeerState.ALIVE,
    (PeerState.DEAD, PeerEvent.RESTARTED): PeerState.ALIVE,
    (PeerState.DEAD, PeerEvent.SHUTDOWN): PeerState.DEAD,
}

LOCAL_TRANSITIONS: dict[tuple[NodeStatus, LocalEvent], NodeStatus] = {
    (NodeStatus.INIT, LocalEvent.STARTED): NodeStatus.UP,
    (NodeStatus.UP, LocalEvent.COMM_UP): NodeStatus.ACTIVE,
    (NodeStatus.INIT, LocalEvent.SHUTDOWN): NodeStatus.DEAD,
    (NodeStatus.UP, LocalEvent.SHUTDOWN): NodeStatus.DEAD,
    (NodeStatus.ACTIVE, LocalEvent.SHUTDOWN): NodeStatus.DEAD,
}


def peer_transition(state: PeerState, event: PeerEvent) -> PeerState:
    try:
        return PEER_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def local_transition(state: NodeStatus, event: LocalEvent) -> NodeStatus:
    try:
        return LOCAL_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None
