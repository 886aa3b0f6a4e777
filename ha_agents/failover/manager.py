"""The v1 (haresources) resource manager: who holds which group, as Heartbeat 3.0.6 decides.

A pure state machine: ``ResourceManager(config, options).handle(event)`` returns actions;
the daemon sends the messages, runs the group operations, and feeds the results back as
events.  One ``ManagerState`` (state.py) is shared by the parts, each with one job:
lifecycle.py (start-up, peers, takeover, ping and fencing guards), standby.py
(hb_standby / hb_takeover), splitbrain.py (dual ownership, a resumed frozen node),
legacy.py (ip-request), monitor.py (opt-in resource monitoring).  Events and peer messages
reach them through the two tables below; an event type with no row raises.  Phase changes
follow phases.py's table.
"""

from __future__ import annotations

from dataclasses import replace

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.failover import events as ev
from ha_agents.failover.actions import Action, Level, Notice, Send, ShutdownComplete
from ha_agents.failover.groups import same_node
from ha_agents.failover.legacy import IpRequests
from ha_agents.failover.lifecycle import Lifecycle
from ha_agents.failover.monitor import Monitor
from ha_agents.failover.phases import Phase, Step
from ha_agents.failover.splitbrain import FreezeGuard, SplitBrain
from ha_agents.failover.standby import LEGACY_REFUSAL, StandbyExchange
from ha_agents.failover.state import ManagerState
from ha_agents.failover.status import FailoverStatus
from ha_agents.wire.resource_msgs import (
    AskResources,
    HbTakeover,
    Hold,
    IpRequest,
    IpRequestResp,
    Resource,
    Shutdone,
    Starting,
)

__all__ = ["LEGACY_REFUSAL", "ManagerState", "Phase", "ResourceManager"]


class ResourceManager:
    """``ResourceManager(config, options).handle(event) -> list[Action]``."""

    def __init__(self, config: ClusterConfig, options: FailoverOptions | None = None) -> None:
        self.s = ManagerState(config, options)
        self.standby = StandbyExchange(self.s)
        self.lifecycle = Lifecycle(self.s, self.standby)
        self.split = SplitBrain(self.s)
        self.freeze = FreezeGuard(self.s, self.lifecycle)
        self.ip = IpRequests(self.s)
        self.monitor = Monitor(self.s, self.standby)
        self.legacy = self.s.legacy

    # -- public ----------------------------------------------------------------------
    def handle(self, event: ev.Event) -> list[Action]:
        now = event.now
        s = self.s
        actions: list[Action] = []
        actions += self.freeze.check(now)
        s.last_now = now
        if s.phase is not Phase.STOPPED:
            actions += self._dispatch(event)
        actions += s.progress(now)
        actions += self.monitor.review(now)
        return actions

    def rscstatus(self) -> str:
        return self.s.rscstatus()

    def status(self) -> FailoverStatus:
        return replace(self.s.status(), monitors=self.monitor.status())

    def next_deadline(self) -> float | None:
        times = [t for t in (self.s.next_deadline(), self.monitor.next_deadline()) if t]
        return min(times, default=None)

    def _dispatch(self, e: ev.Event) -> list[Action]:
        """Each kind of event to the part that handles it; an unknown one raises."""
        life = self.lifecycle
        match e:
            case ev.Tick():
                return self._tick(e.now)
            case ev.GroupDone():
                return self.s.groups.done(e.key, e.started, e.ok, e.detail, e.now)
            case ev.CommUp():
                return life.comm_up(e.dead_peers, e.now)
            case ev.PeerAlive():
                return life.peer_alive(e.node, e.now)
            case ev.PeerDead():
                return life.peer_dead(e.node, e.clean, e.now)
            case ev.PeerRestarted():
                return life.peer_restarted(e.node, e.now)
            case ev.PeerShutdown():
                return life.peer_shutdown(e.node, e.now)
            case ev.MessageIn():
                return self._message(e)
            case ev.Standby():
                return self.standby.admin_standby(e.which, e.now)
            case ev.Takeover():
                return self.standby.admin_takeover(e.which, e.now)
            case ev.Shutdown():
                return self._shutdown(e.now)
            case ev.PingStatus():
                return life.ping(e.reachable, e.now)
            case ev.FenceDone():
                return life.fence_done(e.node, e.ok, e.detail, e.now)
            case ev.ProbeDone():
                return self.monitor.probe_done(e)
            case ev.RestartDone():
                return self.monitor.restart_done(e)
        raise TypeError(f"the resource manager has no handler for {e!r}")

    # -- peer messages ---------------------------------------------------------------
    def _message(self, e: ev.MessageIn) -> list[Action]:
        src, msg, now = e.src, e.message, e.now
        s = self.s
        if same_node(src, s.me) or src not in s.peers:
            return []
        if s.phase in (Phase.SHUTDOWN, Phase.INIT) and not isinstance(msg, Shutdone | IpRequest):
            return []
        life = self.lifecycle
        match msg:
            case Starting():
                return life.got_starting(src, now)
            case Resource():
                return self._got_resource(src, msg, now)
            case AskResources():
                return self.standby.got_ask(src, msg, now)
            case HbTakeover():
                return self._got_hb_takeover(msg, now)
            case IpRequest():
                return self.ip.got_request(src, msg, now)
            case IpRequestResp():
                return self.ip.got_response(src, msg, now)
            case Shutdone():
                return life.peer_shutdown(src, now)
        return []  # stonith: informational

    def _got_resource(self, src: str, msg: Resource, now: float) -> list[Action]:
        s = self.s
        s.peer_hold[src] = msg.rsc_hold
        if msg.info == "shutdown":
            return []
        if s.phase is Phase.STARTING:
            if msg.isstable is False:
                return []
            return self.lifecycle.resources_from_peer(msg.rsc_hold, now)
        if s.phase is not Phase.STABLE:
            return []
        actions = self.split.resolve(src, msg.rsc_hold, now)
        if src in s.joining and msg.isstable:
            s.joining.discard(src)
            if s.failback and s.hold_foreign and s.standby is None:
                actions += self.standby.go(Hold.FOREIGN, now, auto=True)
        return actions

    def _got_hb_takeover(self, msg: HbTakeover, now: float) -> list[Action]:
        if self.s.legacy:
            return [Notice(Level.INFO, LEGACY_REFUSAL)]
        return self.standby.go(msg.rsc_hold.complement(), now, auto=False)

    # -- shutdown and timers ---------------------------------------------------------
    def _shutdown(self, now: float) -> list[Action]:
        s = self.s
        if s.phase in (Phase.SHUTDOWN, Phase.STOPPED):
            return []
        s.enter(Step.SHUTDOWN)
        s.start_deadline = None
        s.fencing.clear()
        s.standby = None
        s.pending.clear()
        s.hold_local = s.hold_foreign = False
        actions: list[Action] = [Notice(Level.INFO, "Giving up all HA resources.")]
        actions += s.groups.want(s.groups.names(), False, "shutdown", now)

        def finished(_n: float) -> list[Action]:
            s.enter(Step.RELEASED)
            out: list[Action] = [Notice(Level.INFO, "All HA resources relinquished.")]
            if not s.legacy:
                # as Heartbeat's hb_giveup_resources(): rtype=full, isstable=0
                shutdown = Resource(Hold.NONE, info="shutdown", isstable=False, rtype="full")
                out.append(Send(shutdown, "shutting down"))
            out.append(ShutdownComplete("every group released"))
            return out

        s.after(finished)
        return actions

    def _tick(self, now: float) -> list[Action]:
        return [
            *self.lifecycle.fence_retries(now),
            *self.standby.timeout(now),
            *self.lifecycle.start_timeout(now),
            *self.ip.unanswered(now),
            *self.split.yield_overdue(now),
            *self.freeze.grace_over(now),
            *self.monitor.tick(now),
        ]
