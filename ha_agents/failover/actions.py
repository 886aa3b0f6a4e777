"""Outputs of the failover resource manager (every action carries a reason)."""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.notice import Level as Level
from ha_agents.notice import Notice as Notice
from ha_agents.wire.resource_msgs import OutMessage


@dataclass(frozen=True, slots=True)
class Send:
    """Broadcast a resource-protocol message to the cluster."""

    message: OutMessage
    reason: str


@dataclass(frozen=True, slots=True)
class AcquireGroup:
    """Start a haresources group (its resources left to right); answer with GroupDone."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReleaseGroup:
    """Stop a haresources group (its resources right to left); answer with GroupDone."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reannounce:
    """Re-send gratuitous ARP for the group's addresses (IPaddr's GARP): we kept it
    after a split brain, clients may still point at the loser's MAC."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Fence:
    """Run the configured fencing command against ``node``; answer with FenceDone."""

    node: str
    reason: str


@dataclass(frozen=True, slots=True)
class ShutdownComplete:
    """Every group is released: the daemon may send ``shutdone`` and exit."""

    reason: str


@dataclass(frozen=True, slots=True)
class Probe:
    """Run the status/monitor of resource ``index`` of group ``key``, killed after
    ``timeout`` s; ``depth``: OCF_CHECK_LEVEL.  Answer with ProbeDone(probe=id)."""

    key: str
    index: int
    resource: str
    probe: int
    timeout: float
    depth: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class RestartResources:
    """Restart resources ``index``.. of group ``key`` in place: stop them right to left,
    start them left to right.  Answer with RestartDone."""

    key: str
    index: int
    reason: str


@dataclass(frozen=True, slots=True)
class MonitorReport:
    """An operator event of resource monitoring (hooks, metrics; status/events.py)."""

    event: str  # resource-failed, resource-restarted, group-moved, monitor-gave-up, ...
    key: str
    resource: str
    reason: str


Action = (
    Send
    | AcquireGroup
    | ReleaseGroup
    | Reannounce
    | Fence
    | Notice
    | ShutdownComplete
    | Probe
    | RestartResources
    | MonitorReport
)

#: The actions an executor carries out (scripts, fencing, probes): the daemon's
#: executor (daemon/executor.py) and the virtual cluster's model (node/cluster.py).
EXECUTOR_WORK = (AcquireGroup, ReleaseGroup, Reannounce, Fence, Probe, RestartResources)
