"""A frozen view of the engine's state, for ``ha-agents status`` and the control socket."""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.membership.states import LinkStatus


@dataclass(frozen=True, slots=True)
class LinkView:
    name: str
    status: LinkStatus
    age_s: float | None  # seconds since last heard on this link (None: never / local)
    source: str | None  # the peer's source address on this link


@dataclass(frozen=True, slots=True)
class NodeView:
    name: str
    status: str  # cl_status nodestatus word: init, up, active, dead
    state: str  # PeerState value, or "local"
    links: tuple[LinkView, ...]
    age_s: float | None  # seconds since last heard (None: never)
    generation: int | None
    uuid: str | None  # hex
    type: str = "normal"  # or "ping" (an ha.cf ping / ping_group node)
    #: the deadtime the node announces in its heartbeats (dt=): deadtime + 2 s in its
    #: first 5 s after a start, as Heartbeat does; None: not heard yet
    deadtime_ms: int | None = None


@dataclass(frozen=True, slots=True)
class MembershipSnapshot:
    local: str
    status: str
    generation: int
    uuid: str
    seq: int
    nodes: tuple[NodeView, ...]  # every node in ha.cf order (this one included), then ping nodes
    counters: tuple[tuple[str, int], ...]
    order: tuple[str, ...] = ()  # every node in Heartbeat's order (ha.cf lines as written)
