"""The failover manager inside the node: membership's cluster events become failover
events; the manager's messages go out through the membership engine (sequenced, signed);
its notices are logged; its group, fencing, ping and monitoring work goes to the executor.

Control requests ``standby``, ``takeover`` and ``rscstatus`` are answered here.
"""

from __future__ import annotations

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.failover import events as ev
from ha_agents.failover.actions import Action, Send, ShutdownComplete
from ha_agents.failover.manager import LEGACY_REFUSAL, ResourceManager
from ha_agents.failover.phases import Phase
from ha_agents.membership import actions as ma
from ha_agents.membership.events import SendMessage
from ha_agents.wire.resource_msgs import parse_which, read

JsonDict = dict[str, object]
EXECUTOR_EVENTS = (ev.GroupDone, ev.FenceDone, ev.PingStatus, ev.ProbeDone, ev.RestartDone)
ExecutorEvent = ev.GroupDone | ev.FenceDone | ev.PingStatus | ev.ProbeDone | ev.RestartDone


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
        body = read(event.message)
        return None if body is None else ev.MessageIn(event.node, body, now)
    return None


class FailoverLayer:
    def __init__(self, config: ClusterConfig, options: FailoverOptions | None = None) -> None:
        self.manager = ResourceManager(config, options)
        self._done = False
        self._last: float | None = None
        # The manager must see an event more often than deadtime to notice a freeze; the
        # engine's keepalive ticks (node/node.py) usually are those events, so the regular
        # tick only fires when keepalive is long: no extra wake-up per keepalive.
        self._tick_every = max(0.02, config.hacf.deadtime_ms / 2000)

    def cluster_event(self, event: object, now: float) -> list[object]:
        e = from_membership(event, now)
        return [] if e is None else self.run(e)

    def tick(self, now: float) -> list[object]:
        s = self.manager.s
        if self.settled() and s.last_now is not None and 0 <= now - s.last_now <= s.deadtime:
            # what the manager does with this Tick: no freeze, nothing due, nothing pending
            s.last_now = self._last = now
            return []
        return self.run(ev.Tick(now))

    def next_deadline(self) -> float | None:
        """Regular ticks (at most deadtime/2 apart) let the manager notice a freeze."""
        due = self.manager.next_deadline()
        if self._last is not None:
            regular = self._last + self._tick_every
            due = regular if due is None else min(due, regular)
        return due

    def settled(self) -> bool:
        """Stable, no step pending, no deadline: no exchange in progress."""
        s = self.manager.s
        return (
            s.phase is Phase.STABLE
            and not s.pending
            and self.manager.next_deadline() is None  # resource monitoring's too
            and s.groups.settled()
        )

    def admin(self, request: JsonDict, now: float) -> tuple[JsonDict, list[object]]:
        cmd = request.get("cmd")
        if cmd == "rscstatus":
            return {"ok": True, "rscstatus": self.manager.rscstatus()}, []
        if cmd not in ("standby", "takeover"):
            return {"ok": False, "error": f"unknown command {cmd!r}"}, []
        arg = request.get("which", "all")
        which = parse_which(arg) if isinstance(arg, str) else None
        if which is None:
            return {"ok": False, "error": f"wrong resources({arg})."}, []
        event: ev.Event = (ev.Standby if cmd == "standby" else ev.Takeover)(which, now)
        if self.manager.legacy:
            return {"ok": False, "error": LEGACY_REFUSAL}, self.run(event)
        verb = "Going standby" if cmd == "standby" else "Taking over"
        return {"ok": True, "message": f"{verb} [{which.value}]."}, self.run(event)

    def begin_shutdown(self, now: float) -> list[object]:
        return self.run(ev.Shutdown(now))

    def shutdown_complete(self) -> bool:
        return self._done

    def status(self) -> JsonDict:
        return self.manager.status().as_dict()

    def run(self, event: ev.Event) -> list[object]:
        self._last = event.now
        out: list[object] = []
        for action in self.manager.handle(event):
            if isinstance(action, ShutdownComplete):
                self._done = True
            else:
                out.append(self._translate(action, event.now))
        return out

    def _translate(self, action: Action, now: float) -> object:
        if isinstance(action, Send):
            return SendMessage(action.message.body(), now)
        return action


__all__ = ["EXECUTOR_EVENTS", "ExecutorEvent", "FailoverLayer", "JsonDict", "from_membership"]
