"""The failover manager as the daemon's upper layer (``ha_agents.daemon.upper.UpperLayer``).

Pure glue, no I/O: membership cluster events become failover events, failover actions
become what the daemon dispatches — ``membership.events.SendMessage`` (sent sequenced and
signed through the membership engine), ``membership.actions.Notice`` (logged), and the
executor's work (``AcquireGroup``, ``ReleaseGroup``, ``Reannounce``, ``Fence``).  Control
socket requests ``standby``, ``takeover`` and ``rscstatus`` are answered here.
"""

from __future__ import annotations

from collections.abc import Sequence

from ha_agents.config.model import ClusterConfig
from ha_agents.failover import events as ev
from ha_agents.failover.actions import Action, Notice, Send, ShutdownComplete
from ha_agents.failover.manager import LEGACY_REFUSAL, ResourceManager
from ha_agents.failover.messages import parse, parse_which
from ha_agents.failover.options import FailoverOptions
from ha_agents.membership import actions as ma
from ha_agents.membership.events import SendMessage

JsonDict = dict[str, object]
EXECUTOR_EVENTS = (ev.GroupDone, ev.FenceDone, ev.PingStatus)


def from_membership(event: object, now: float) -> ev.Event | None:
    """A membership cluster event as a failover event (None: not ours)."""
    if isinstance(event, ma.LocalActive):
        return ev.CommUp(tuple(event.dead_peers), now)
    if isinstance(event, ma.NodeUp):
        return ev.PeerAlive(event.node, now)
    if isinstance(event, ma.NodeDead):
        return ev.PeerDead(event.node, now, clean=event.clean)
    if isinstance(event, ma.NodeReturned):
        return ev.PeerRestarted(event.node, now)
    if isinstance(event, ma.PeerShutdown):
        return ev.PeerShutdown(event.node, now)
    if isinstance(event, ma.Upcall):
        body = parse(event.message)
        return None if body is None else ev.MessageIn(event.node, body, now)
    return None


def _fields(reason: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for word in reason.split():
        key, sep, value = word.partition("=")
        if sep and key:
            pairs.append((key, value))
    return tuple(pairs)


class FailoverUpper:
    def __init__(self, config: ClusterConfig, options: FailoverOptions | None = None) -> None:
        self.manager = ResourceManager(config, options)
        self._done = False
        self._last: float | None = None
        self._tick_every = max(0.02, min(config.hacf.keepalive_ms / 2000, 0.5))

    # -- UpperLayer ---------------------------------------------------------------------
    def cluster_event(self, event: object, now: float) -> Sequence[object]:
        e = from_membership(event, now)
        return [] if e is None else self._run(e)

    def tick(self, now: float) -> Sequence[object]:
        return self._run(ev.Tick(now))

    def next_deadline(self) -> float | None:
        """Regular ticks (at most keepalive/2 apart) let the manager notice a freeze."""
        due = self.manager.next_deadline()
        if self._last is not None:
            regular = self._last + self._tick_every
            due = regular if due is None else min(due, regular)
        return due

    def feed(self, event: object, now: float) -> Sequence[object]:
        if isinstance(event, EXECUTOR_EVENTS):
            return self._run(event)
        return []

    def admin(self, request: JsonDict, now: float) -> tuple[JsonDict, Sequence[object]]:
        cmd = request.get("cmd")
        if cmd == "rscstatus":
            return {"ok": True, "rscstatus": self.manager.rscstatus()}, []
        if cmd not in ("standby", "takeover"):
            return {"ok": False, "error": f"unknown command {cmd!r}"}, []
        arg = request.get("which", "all")
        which = parse_which(arg) if isinstance(arg, str) else None
        if which is None:
            return {"ok": False, "error": f"wrong resources({arg})."}, []
        if self.manager.legacy:
            event: ev.Event = (ev.Standby if cmd == "standby" else ev.Takeover)(which, now)
            return {"ok": False, "error": LEGACY_REFUSAL}, self._run(event)
        if cmd == "standby":
            return {"ok": True, "message": f"Going standby [{which.value}]."}, self._run(
                ev.Standby(which, now)
            )
        return {"ok": True, "message": f"Taking over [{which.value}]."}, self._run(
            ev.Takeover(which, now)
        )

    def begin_shutdown(self, now: float) -> Sequence[object]:
        return self._run(ev.Shutdown(now))

    def shutdown_complete(self) -> bool:
        return self._done

    def status(self) -> JsonDict | None:
        return self.manager.status().as_dict()

    # -- translation ----------------------------------------------------------------------
    def _run(self, event: ev.Event) -> list[object]:
        self._last = event.now
        return [self._translate(a, event.now) for a in self.manager.handle(event) if self._keep(a)]

    def _keep(self, action: Action) -> bool:
        if isinstance(action, ShutdownComplete):
            self._done = True
            return False
        return True

    def _translate(self, action: Action, now: float) -> object:
        if isinstance(action, Send):
            return SendMessage(action.message.body(), now)
        if isinstance(action, Notice):
            return ma.Notice(action.level, action.text, _fields(action.reason))
        return action
