"""What the client API answers from: the cluster as membership and the resource layer
see it, handed in by the daemon (a port, STYLE P10).  Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NodeFact:
    name: str
    type: str  # "normal" or "ping"
    status: str  # init, up, active, dead; "ping" for a ping node that answers
    links: tuple[tuple[str, str], ...]  # (link name, "up"/"dead")
    uuid: bytes | None = None
    weight: int = 100
    site: str = ""


@dataclass(frozen=True, slots=True)
class ClusterFacts:
    local: str
    nodes: tuple[NodeFact, ...]  # Heartbeat's order: ha.cf node/ping lines as written
    parameters: Mapping[str, str] = field(default_factory=dict)
    resources: str | None = None  # rscstatus word; None: no resource manager
    deadtime_ms: int = 30000
    keepalive_ms: int = 1000
    logfacility: int = -1
    hbversion: str = "3.0.6"
    pacemaker: bool = False

    def node(self, name: str) -> NodeFact | None:
        low = name.lower()
        return next((n for n in self.nodes if n.name.lower() == low), None)


class FactsSource(Protocol):
    def __call__(self) -> ClusterFacts: ...
