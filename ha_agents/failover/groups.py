"""The haresources groups on this node: wanted vs. actual state, one operation at a time.

The manager says which groups it *wants* to hold (``want``); ``GroupTable`` issues the
AcquireGroup / ReleaseGroup actions that get there, one operation per group at a time,
and records the result (``done``).  ``settled()`` is true when nothing is running and
every group is where it is wanted (a failed start counts as settled: it is not retried
until the group is wanted again after being given up).  A restart in place of some of a
running group's resources (resource monitoring, failover/monitor.py) counts as an
operation: the group stays RUNNING, nothing else is issued for it meanwhile, and the
table is not settled.  Pure, no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from ha_agents.config.model import ResourceGroup
from ha_agents.failover.actions import AcquireGroup, Action, Level, Notice, ReleaseGroup
from ha_agents.notice import fields
from ha_agents.wire.resource_msgs import Hold


class GroupState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"  # a start failed (and was cleaned up) or a stop failed


def same_node(a: str, b: str) -> bool:
    return a.lower() == b.lower()


@dataclass(slots=True)
class _Entry:
    group: ResourceGroup
    state: GroupState = GroupState.STOPPED
    want: bool = False
    failed_start: bool = False
    since: float | None = None
    restarting: bool = False


class GroupTable:
    def __init__(self, groups: Iterable[ResourceGroup]) -> None:
        self._entries: dict[str, _Entry] = {}
        for g in groups:
            if g.key and g.key not in self._entries:
                self._entries[g.key] = _Entry(g)

    # -- queries -------------------------------------------------------------------
    def names(self) -> list[str]:
        return list(self._entries)

    def home(self, key: str) -> str:
        return self._entries[key].group.node

    def state(self, key: str) -> GroupState:
        return self._entries[key].state

    def since(self, key: str) -> float | None:
        return self._entries[key].since

    def wanted(self, key: str) -> bool:
        return self._entries[key].want

    def restarting(self, key: str) -> bool:
        return self._entries[key].restarting

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def held(self) -> list[str]:
        """Groups running here or on their way up (what we must not share)."""
        return [
            k
            for k, e in self._entries.items()
            if e.state in (GroupState.RUNNING, GroupState.STARTING)
        ]

    def of(self, node: str, hold: Hold) -> list[str]:
        """The groups that ``hold`` means for ``node``: local = its home groups,
        foreign = the others."""
        out = []
        for k, e in self._entries.items():
            home = same_node(e.group.node, node)
            if (hold.local and home) or (hold.foreign and not home):
                out.append(k)
        return out

    def settled(self) -> bool:
        for e in self._entries.values():
            if e.restarting or e.state in (GroupState.STARTING, GroupState.STOPPING):
                return False
            if e.want and e.state is GroupState.STOPPED:
                return False
            if not e.want and e.state is GroupState.RUNNING:
                return False
        return True

    # -- changes -------------------------------------------------------------------
    def want(self, keys: Iterable[str], wanted: bool, reason: str, now: float) -> list[Action]:
        actions: list[Action] = []
        for k in keys:
            e = self._entries.get(k)
            if e is None:
                continue
            if wanted and not e.want:
                e.failed_start = False
                if e.state is GroupState.FAILED:
                    e.state = GroupState.STOPPED
            e.want = wanted
            actions += self._step(k, e, reason, now)
        return actions

    def done(self, key: str, started: bool, ok: bool, detail: str, now: float) -> list[Action]:
        e = self._entries.get(key)
        if e is None:
            return []
        actions: list[Action] = []
        if started and e.state is GroupState.STARTING:
            if ok:
                e.state, e.since = GroupState.RUNNING, now
            else:
                actions.append(
                    Notice(
                        Level.ERROR,
                        f"Resource group {key} failed to start{_detail(detail)}: "
                        "stopping what was started.",
                        fields(f"event=group_start_failed group={key}"),
                    )
                )
                e.failed_start = True
                e.state, e.since = GroupState.STOPPING, now
                actions.append(ReleaseGroup(key, "clean up after a failed start"))
                return actions
        elif not started and e.state is GroupState.STOPPING:
            if ok:
                failed = e.failed_start
                e.state, e.since = (GroupState.FAILED if failed else GroupState.STOPPED), now
            else:
                actions.append(
                    Notice(
                        Level.CRIT,
                        f"Resource group {key} failed to stop{_detail(detail)}: "
                        "it may still be running here.",
                        fields(f"event=group_stop_failed group={key}"),
                    )
                )
                e.state, e.since = GroupState.FAILED, now
                e.want = False
                return actions
        else:
            return []  # a late or duplicate result: nothing to do
        actions += self._step(key, e, "wanted state changed meanwhile", now)
        return actions

    def begin_restart(self, key: str) -> bool:
        """A restart in place may begin: the group runs here, is wanted, nothing runs."""
        e = self._entries.get(key)
        if e is None or e.restarting or not e.want or e.state is not GroupState.RUNNING:
            return False
        e.restarting = True
        return True

    def end_restart(self, key: str, now: float) -> list[Action]:
        """The restart finished: what the wanted state asks for now (e.g. a release)."""
        e = self._entries.get(key)
        if e is None or not e.restarting:
            return []
        e.restarting = False
        return self._step(key, e, "wanted state changed during a restart", now)

    def _step(self, key: str, e: _Entry, reason: str, now: float) -> list[Action]:
        if e.restarting:
            return []
        if e.want and e.state is GroupState.STOPPED and not e.failed_start:
            e.state, e.since = GroupState.STARTING, now
            return [AcquireGroup(key, reason)]
        if not e.want and e.state is GroupState.RUNNING:
            e.state, e.since = GroupState.STOPPING, now
            return [ReleaseGroup(key, reason)]
        return []


def _detail(detail: str) -> str:
    return f" ({detail})" if detail else ""
