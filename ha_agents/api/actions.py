"""Outputs of the client-API server.  ``Notice`` is one log line (notice.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.api.body import Fields
from ha_agents.notice import Notice


@dataclass(frozen=True, slots=True)
class ToClient:
    cid: int
    data: bytes  # one or more whole frames


@dataclass(frozen=True, slots=True)
class CloseClient:
    cid: int
    reason: str


@dataclass(frozen=True, slots=True)
class SendCluster:
    """Send to the cluster: ``body`` without the envelope (the engine adds it)."""

    body: Fields
    reason: str


@dataclass(frozen=True, slots=True)
class LocalStandby:
    """A client of this node asked to give up resources (``ask_resources info=me``, as
    ipfail does): the resource manager's hb_standby with ``which``."""

    which: str
    client: str


ApiAction = ToClient | CloseClient | SendCluster | LocalStandby | Notice
