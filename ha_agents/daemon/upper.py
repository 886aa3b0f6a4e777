"""The plug for an upper layer (the failover resource manager) — see docs/daemon.md.

The daemon feeds membership's cluster events to ``UpperLayer`` and dispatches what it
returns: a ``membership.events.SendMessage`` goes out through the membership engine
(sequenced, signed, on every medium), a ``membership.actions.Notice`` is logged, and
anything else is handed to the ``Executor`` (resource scripts, addresses, fencing),
which reports results back with ``feed(event)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ha_agents.membership.actions import ClusterEvent

JsonDict = dict[str, object]


class UpperLayer(Protocol):
    def cluster_event(self, event: ClusterEvent, now: float) -> Sequence[object]:
        """A membership event (NodeUp, NodeDead, NodeReturned, PeerShutdown, LocalActive,
        Upcall, NodeStatusChanged, LinkStateChanged)."""
        ...

    def tick(self, now: float) -> Sequence[object]: ...

    def next_deadline(self) -> float | None: ...

    def feed(self, event: object, now: float) -> Sequence[object]:
        """A result from the executor (e.g. a resource group finished starting)."""
        ...

    def admin(self, request: JsonDict, now: float) -> tuple[JsonDict, Sequence[object]]:
        """A control-socket request the daemon does not know (``{"cmd": "standby", ...}``)."""
        ...

    def begin_shutdown(self, now: float) -> Sequence[object]:
        """SIGTERM: release what must be released; the daemon then waits for
        ``shutdown_complete()`` (bounded) before sending ``shutdone``."""
        ...

    def shutdown_complete(self) -> bool: ...

    def status(self) -> JsonDict | None:
        """The ``resources`` section of ``ha-agents status --json`` (``rscstatus`` key:
        all/local/foreign/none/transition)."""
        ...


Feed = Callable[[object], None]


class Executor(Protocol):
    def execute(self, action: object, feed: Feed) -> None:
        """Start carrying out ``action`` (without blocking the loop); call ``feed(result)``
        when done."""
        ...

    async def close(self) -> None: ...
