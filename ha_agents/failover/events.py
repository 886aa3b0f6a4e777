"""Inputs of the failover resource manager.  Every event carries the monotonic ``now``
(seconds); the manager never reads a clock.

Cluster events come from the membership layer (``adapter.from_membership`` maps its
actions), messages from peers, admin requests from the control socket, operation
results from the resource runner, ping reachability and fencing results from edges.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ha_agents.wire.resource_msgs import Hold, InMessageBody


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed.  The daemon must tick at least every keepalive: a gap between two
    events longer than deadtime means this process was frozen (SIGSTOP, VM pause)."""

    now: float


@dataclass(frozen=True, slots=True)
class CommUp:
    """Our status went active (Heartbeat's Comm_now_up): peers heard, or initdead over.
    ``dead_peers``: peers never heard (declared dead at initdead)."""

    dead_peers: tuple[str, ...]
    now: float


@dataclass(frozen=True, slots=True)
class PeerAlive:
    """A peer is heard: for the first time, or again after it was declared dead."""

    node: str
    now: float


@dataclass(frozen=True, slots=True)
class PeerDead:
    """A peer was silent for deadtime.  ``clean``: it had announced its shutdown."""

    node: str
    now: float
    clean: bool = False


@dataclass(frozen=True, slots=True)
class PeerRestarted:
    """A peer came back with a higher generation (it restarted)."""

    node: str
    now: float


@dataclass(frozen=True, slots=True)
class PeerShutdown:
    """A peer announced its orderly shutdown (``shutdone``)."""

    node: str
    now: float


@dataclass(frozen=True, slots=True)
class MessageIn:
    """A resource-protocol message from ``src`` (already authenticated and ordered)."""

    src: str
    message: InMessageBody
    now: float


@dataclass(frozen=True, slots=True)
class Standby:
    """Admin: ``ha-agents standby [all|foreign|local|failback]`` (hb_standby)."""

    which: Hold
    now: float


@dataclass(frozen=True, slots=True)
class Takeover:
    """Admin: ``ha-agents takeover [all|foreign|local|failback]`` (hb_takeover)."""

    which: Hold
    now: float


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Orderly stop: give up every group, then tell the peers."""

    now: float


@dataclass(frozen=True, slots=True)
class GroupDone:
    """Result of an ``AcquireGroup`` (``started`` True) or ``ReleaseGroup`` (False)."""

    key: str
    started: bool
    ok: bool
    now: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PingStatus:
    """Whether this node reaches its ping / ping_group nodes (ha.cf)."""

    reachable: bool
    now: float


@dataclass(frozen=True, slots=True)
class FenceDone:
    """Result of a ``Fence`` action (the configured fencing command)."""

    node: str
    ok: bool
    now: float
    detail: str = ""


class Verdict(enum.Enum):
    """What a resource's own status/monitor said (resources/: heartbeat-class text, LSB
    and OCF exit codes); FAILED: an error, an unknown code, or killed at its timeout."""

    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ProbeDone:
    """Result of a ``Probe`` (one status/monitor call of a monitored resource)."""

    key: str
    index: int
    probe: int  # the Probe's id
    verdict: Verdict
    now: float
    detail: str = ""
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class RestartDone:
    """Result of a ``RestartResources``: every stop and start succeeded (``ok``)."""

    key: str
    index: int
    ok: bool
    now: float
    detail: str = ""


Event = (
    Tick
    | CommUp
    | PeerAlive
    | PeerDead
    | PeerRestarted
    | PeerShutdown
    | MessageIn
    | Standby
    | Takeover
    | Shutdown
    | GroupDone
    | PingStatus
    | FenceDone
    | ProbeDone
    | RestartDone
)
