"""Inputs of the client-API server (``ApiServer.handle``); each carries ``now``."""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.api.body import Fields


@dataclass(frozen=True, slots=True)
class Connected:
    """A connection on the registration socket, with its peer credentials."""

    cid: int
    uid: int
    gid: int
    pid: int
    now: float


@dataclass(frozen=True, slots=True)
class Received:
    cid: int
    data: bytes
    now: float


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The client closed (or the edge dropped it: ``reason``)."""

    cid: int
    reason: str
    now: float


@dataclass(frozen=True, slots=True)
class ClusterMessage:
    """A cluster message for the clients: a peer's (an upcall) or one this node sent.
    ``fields`` as on the wire, envelope included."""

    fields: Fields
    now: float


@dataclass(frozen=True, slots=True)
class NodeChanged:
    """Membership: a node's (or ping node's) status changed (``ping`` / ``dead`` ...)."""

    node: str
    status: str
    ping: bool
    now: float


@dataclass(frozen=True, slots=True)
class LinkChanged:
    node: str
    link: str
    status: str
    now: float


@dataclass(frozen=True, slots=True)
class Tick:
    now: float


ApiEvent = Connected | Received | Disconnected | ClusterMessage | NodeChanged | LinkChanged | Tick
