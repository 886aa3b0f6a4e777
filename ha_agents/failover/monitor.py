"""Resource monitoring (pure): check the running resources that failover.cf names, restart
a failed one in place, hand its group to the peer past the limit, stop bouncing after that.

Opt-in per resource (config/monitorcf.py); with no ``monitor`` line this part does nothing
at all.  Decisions (the watch states and their table: failover/watch.py):

* a group is checked only while it runs here and nothing moves (phase stable, no standby
  exchange, every group settled): monitoring pauses while any group moves;
* each monitored resource is checked every ``interval`` (``Probe``: its own status or
  monitor, killed at ``timeout``); RUNNING is fine, anything else is a failure;
* a failure with at most ``restarts`` failures in the last ``window`` seconds restarts the
  resource and those after it in the group, in place (``RestartResources``); the group
  stays RUNNING (held) meanwhile;
* the next failure, or a failed restart, hands the group to the peer with the standby
  exchange (hb_standby's: ``local`` for a group whose home is this node, else
  ``foreign``: Heartbeat moves categories, so every group of that category held here
  goes), and this node refuses the group back for ``window`` seconds (standby.py);
* if no peer takes it (none alive, or it refuses: it failed there too), the group stays
  here as it is and nothing more is restarted or moved (``gave-up``, CRIT); checks go on,
  and monitoring resumes when the failed resource runs again.
"""

from __future__ import annotations

import itertools

from ha_agents.config.monitorcf import bind
from ha_agents.failover import events as ev
from ha_agents.failover.actions import (
    Action,
    Level,
    MonitorReport,
    Notice,
    Probe,
    RestartResources,
)
from ha_agents.failover.groups import GroupState, same_node
from ha_agents.failover.phases import Phase
from ha_agents.failover.standby import StandbyExchange
from ha_agents.failover.state import ManagerState, Role
from ha_agents.failover.status import MonitorStatus
from ha_agents.failover.watch import GroupWatch, ResourceWatch, WatchState, WatchStep
from ha_agents.notice import fields
from ha_agents.wire.resource_msgs import Hold


class Monitor:
    """The monitoring part of one node's resource manager, on its shared state."""

    def __init__(self, state: ManagerState, standby: StandbyExchange) -> None:
        self.s = state
        self.standby = standby
        bound, _ = bind(state.options.monitors, state.config.groups)
        self.watches: dict[str, GroupWatch] = {}
        for mon in bound:
            gw = self.watches.setdefault(mon.group, GroupWatch(mon.group, []))
            gw.resources.append(ResourceWatch(mon))
        self._ids = itertools.count(1)

    # -- the manager's hooks -----------------------------------------------------------
    def review(self, now: float) -> list[Action]:
        """After every event: pause, resume, and see how a hand-over ended."""
        actions: list[Action] = []
        for gw in self.watches.values():
            actions += self._review(gw, now)
        return actions

    def tick(self, now: float) -> list[Action]:
        """Start the checks that are due."""
        actions: list[Action] = []
        for gw in self.watches.values():
            if gw.state not in (WatchState.WATCHING, WatchState.GAVE_UP):
                continue
            for r in gw.resources:
                if r.probe is None and r.due is not None and now >= r.due:
                    actions.append(self._probe(r, now))
        return actions

    def next_deadline(self) -> float | None:
        times = [
            r.due
            for gw in self.watches.values()
            if gw.state in (WatchState.WATCHING, WatchState.GAVE_UP)
            for r in gw.resources
            if r.probe is None and r.due is not None
        ]
        return min(times, default=None)

    def probe_done(self, e: ev.ProbeDone) -> list[Action]:
        gw = self.watches.get(e.key)
        r = self._resource(gw, e.index)
        if gw is None or r is None or r.probe is None or r.probe != e.probe:
            return []  # a late answer: the group restarted or paused meanwhile
        issued = r.issued if r.issued is not None else e.now
        r.probe = r.issued = None
        r.last_at, r.last, r.last_detail = e.now, e.verdict, e.detail
        r.last_duration = e.duration
        r.checks_total += 1
        r.due = max(issued + r.mon.spec.interval_s, e.now)
        if gw.state is WatchState.GAVE_UP:
            return self._maybe_recovered(gw, r, e.now)
        if gw.state is not WatchState.WATCHING or e.verdict is ev.Verdict.RUNNING:
            return []
        return self._failed(gw, r, e.now, f"{e.verdict.value}: {e.detail}" if e.detail else "")

    def restart_done(self, e: ev.RestartDone) -> list[Action]:
        gw = self.watches.get(e.key)
        if gw is None or gw.state is not WatchState.RESTARTING:
            return []
        s = self.s
        actions = s.groups.end_restart(e.key, e.now)
        r = self._resource(gw, e.index) or gw.resources[0]
        res = r.mon.resource
        if not (s.phase is Phase.STABLE and s.groups.wanted(e.key)):
            gw.step(WatchStep.PAUSE)
            return actions
        if not e.ok:
            text = f"Restart of {res} (group {e.key}) failed ({e.detail or 'no detail'})."
            tag = fields(f"event=restart_failed group={e.key}")
            actions.append(Notice(Level.ERROR, text, tag))
            return actions + self._move(gw, r, e.now, "its restart failed")
        gw.step(WatchStep.RESTARTED)
        for other in gw.resources:
            other.due = e.now + other.mon.spec.interval_s
        text = f"Resource {res} (group {e.key}) restarted in place (restart {r.restarts_total})."
        actions.append(Notice(Level.INFO, text, fields(f"event=restarted group={e.key}")))
        actions.append(
            MonitorReport("resource-restarted", e.key, res, f"restart {r.restarts_total}")
        )
        return actions

    def status(self) -> tuple[MonitorStatus, ...]:
        now = self.s.last_now if self.s.last_now is not None else 0.0
        rows = []
        for gw in self.watches.values():
            for r in gw.resources:
                rows.append(
                    MonitorStatus(
                        gw.key,
                        r.mon.resource,
                        gw.state.value,
                        r.mon.spec.interval_s,
                        r.mon.spec.timeout_s,
                        r.last_at,
                        r.last.value if r.last is not None else None,
                        r.last_detail,
                        r.last_duration,
                        len(r.recent(now)),
                        r.checks_total,
                        r.failures_total,
                        r.restarts_total,
                        self.s.refused_until.get(gw.key, now) > now,
                    )
                )
        return tuple(rows)

    # -- decisions -----------------------------------------------------------------------
    def _review(self, gw: GroupWatch, now: float) -> list[Action]:
        s = self.s
        runs = (
            s.phase is Phase.STABLE
            and s.groups.state(gw.key) is GroupState.RUNNING
            and s.groups.wanted(gw.key)
        )
        quiet = runs and s.standby is None and s.groups.settled()
        if gw.state is WatchState.IDLE and quiet:
            gw.step(WatchStep.RUN)
            for r in gw.resources:
                r.due = now + r.mon.spec.interval_s
        elif gw.state in (WatchState.WATCHING, WatchState.GAVE_UP) and not quiet:
            gw.step(WatchStep.PAUSE)
            gw.forget_probes()
        elif gw.state is WatchState.MOVING and s.standby is not gw.move_op:
            return self._moving_ended(gw, now)
        return []

    def _failed(self, gw: GroupWatch, r: ResourceWatch, now: float, detail: str) -> list[Action]:
        spec = r.mon.spec
        r.failures_total += 1
        recent = r.recent(now)
        recent.append(now)
        res, key = r.mon.resource, gw.key
        count = f"failure {len(recent)} in {spec.window_s:g} s, {spec.restarts} restart(s) allowed"
        tag = fields(f"event=monitor_failed group={key} failures={len(recent)}")
        why = detail or "no detail"
        actions: list[Action] = [MonitorReport("resource-failed", key, res, detail)]
        if len(recent) > spec.restarts:
            actions.append(
                Notice(
                    Level.ERROR,
                    f"Resource {res} (group {key}) failed its monitor ({why}) [{count}].",
                    tag,
                )
            )
            why = f"{len(recent)} failures within {spec.window_s:g} s"
            return actions + self._move(gw, r, now, why)
        if not self.s.groups.begin_restart(key):
            return actions  # cannot happen while WATCHING; nothing to do
        gw.step(WatchStep.RESTART)
        gw.forget_probes()
        r.restarts_total += 1
        actions.append(
            Notice(
                Level.WARN,
                f"Resource {res} (group {key}) failed its monitor ({why}) [{count}]: "
                "restarting it in place.",
                tag,
            )
        )
        actions.append(RestartResources(key, r.mon.index, f"{res} failed its monitor"))
        return actions

    def _move(self, gw: GroupWatch, r: ResourceWatch, now: float, why: str) -> list[Action]:
        s, key = self.s, gw.key
        which = Hold.LOCAL if same_node(s.groups.home(key), s.me) else Hold.FOREIGN
        gw.failed = r
        gw.step(WatchStep.MOVE)
        gw.forget_probes()
        s.refused_until[key] = now + r.mon.spec.window_s
        text = f"Resource group {key} failed here ({why}): giving it to the peer ({which.value})."
        actions: list[Action] = [
            Notice(Level.ERROR, text, fields(f"event=monitor_move group={key}")),
            MonitorReport("group-moving", key, r.mon.resource, why),
        ]
        actions += self.standby.go(which, now, auto=False)
        op = s.standby
        if op is None or op.role is not Role.INITIATOR:
            return actions + self._give_up(gw, now, "no peer can take it")
        gw.move_op = op
        return actions

    def _moving_ended(self, gw: GroupWatch, now: float) -> list[Action]:
        s, key = self.s, gw.key
        gw.move_op = None
        state = s.groups.state(key)
        if s.phase is not Phase.STABLE:
            gw.step(WatchStep.PAUSE)
            return []
        if not s.groups.wanted(key):
            gw.step(WatchStep.MOVED)
            for r in gw.resources:
                r.failures.clear()
            text = f"Resource group {key} handed over to the peer after failing here."
            res = gw.failed.mon.resource if gw.failed else ""
            return [
                Notice(Level.INFO, text, fields(f"event=monitor_moved group={key}")),
                MonitorReport("group-moved", key, res, "released here; the peer took it"),
            ]
        if state is GroupState.RUNNING:
            return self._give_up(gw, now, "the peer did not take it")
        gw.step(WatchStep.PAUSE)  # re-acquired meanwhile (the peer died): start afresh
        return []

    def _give_up(self, gw: GroupWatch, now: float, why: str) -> list[Action]:
        gw.step(WatchStep.GIVE_UP)
        self.s.refused_until.pop(gw.key, None)
        for r in gw.resources:
            r.due = now + r.mon.spec.interval_s
        res = gw.failed.mon.resource if gw.failed else gw.key
        text = (
            f"Resource group {gw.key} keeps failing and {why}: no more restarts or moves "
            f"(it stays here as it is). Monitoring resumes when {res} runs again."
        )
        return [
            Notice(Level.CRIT, text, fields(f"event=monitor_gave_up group={gw.key}")),
            MonitorReport("monitor-gave-up", gw.key, res, why),
        ]

    def _maybe_recovered(self, gw: GroupWatch, r: ResourceWatch, now: float) -> list[Action]:
        if r.last is not ev.Verdict.RUNNING or (gw.failed is not None and gw.failed is not r):
            return []
        gw.step(WatchStep.RECOVER)
        gw.failed = None
        for other in gw.resources:
            other.failures.clear()
        text = f"Resource {r.mon.resource} (group {gw.key}) runs again: monitoring resumes."
        return [
            Notice(Level.INFO, text, fields(f"event=monitor_recovered group={gw.key}")),
            MonitorReport("resource-recovered", gw.key, r.mon.resource, "runs again"),
        ]

    # -- helpers -------------------------------------------------------------------------
    def _probe(self, r: ResourceWatch, now: float) -> Probe:
        r.probe, r.issued = next(self._ids), now
        m = r.mon
        reason = f"monitor every {m.spec.interval_s:g} s"
        return Probe(m.group, m.index, m.resource, r.probe, m.spec.timeout_s, m.spec.depth, reason)

    @staticmethod
    def _resource(gw: GroupWatch | None, index: int) -> ResourceWatch | None:
        if gw is None:
            return None
        return next((r for r in gw.resources if r.mon.index == index), None)
