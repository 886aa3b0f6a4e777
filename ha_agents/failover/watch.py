"""Resource monitoring's bookkeeping (pure): each monitored group's watch state, the one
table of how it changes, and what is remembered per monitored resource.

A group is IDLE while it does not run here or anything moves (monitoring pauses),
WATCHING while its resources are checked, RESTARTING while some of them restart in place,
MOVING while the group is handed to the peer, GAVE_UP when it failed past its limit and no
peer took it (checks go on, nothing else happens, until the failed resource runs again).
``advance(state, step)`` gives the next state or raises ``IllegalWatchStep``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ha_agents.config.monitorcf import Monitored
from ha_agents.failover.events import Verdict


class WatchState(enum.Enum):
    IDLE = "idle"
    WATCHING = "watching"
    RESTARTING = "restarting"
    MOVING = "moving"
    GAVE_UP = "gave-up"


class WatchStep(enum.Enum):
    RUN = "run"  # the group runs here and nothing moves: check it
    PAUSE = "pause"  # it stopped running here, or something moves
    RESTART = "restart"  # a failure within the limit: restart in place
    RESTARTED = "restarted"
    MOVE = "move"  # past the limit: hand the group to the peer
    MOVED = "moved"  # released here: the peer has it
    GIVE_UP = "give up"  # past the limit and no peer takes it
    RECOVER = "recover"  # the failed resource runs again


class IllegalWatchStep(Exception):
    def __init__(self, state: WatchState, step: WatchStep) -> None:
        super().__init__(f"no watch transition for {step.value!r} in {state.value!r}")


_W, _T = WatchState, WatchStep
TRANSITIONS: dict[tuple[WatchState, WatchStep], WatchState] = {
    (_W.IDLE, _T.RUN): _W.WATCHING,
    (_W.WATCHING, _T.PAUSE): _W.IDLE,
    (_W.WATCHING, _T.RESTART): _W.RESTARTING,
    (_W.WATCHING, _T.MOVE): _W.MOVING,
    (_W.RESTARTING, _T.RESTARTED): _W.WATCHING,
    (_W.RESTARTING, _T.PAUSE): _W.IDLE,
    (_W.RESTARTING, _T.MOVE): _W.MOVING,
    (_W.MOVING, _T.MOVED): _W.IDLE,
    (_W.MOVING, _T.PAUSE): _W.IDLE,
    (_W.MOVING, _T.GIVE_UP): _W.GAVE_UP,
    (_W.GAVE_UP, _T.RECOVER): _W.WATCHING,
    (_W.GAVE_UP, _T.PAUSE): _W.IDLE,
}


def advance(state: WatchState, step: WatchStep) -> WatchState:
    try:
        return TRANSITIONS[(state, step)]
    except KeyError:
        raise IllegalWatchStep(state, step) from None


@dataclass(slots=True)
class ResourceWatch:
    """One monitored resource: its schedule, its check in flight, what the checks said."""

    mon: Monitored
    due: float | None = None  # next check
    probe: int | None = None  # id of the check in flight
    issued: float | None = None
    last_at: float | None = None  # when the last check ended
    last: Verdict | None = None
    last_detail: str = ""
    last_duration: float | None = None
    failures: list[float] = field(default_factory=list)  # within the window
    checks_total: int = 0
    failures_total: int = 0
    restarts_total: int = 0

    def recent(self, now: float) -> list[float]:
        """Failures within the window ending now (older ones are forgotten)."""
        self.failures = [t for t in self.failures if t > now - self.mon.spec.window_s]
        return self.failures


@dataclass(slots=True)
class GroupWatch:
    """The monitored resources of one group and where monitoring of it stands."""

    key: str
    resources: list[ResourceWatch]
    state: WatchState = WatchState.IDLE
    failed: ResourceWatch | None = None  # the resource that took it past its limit
    move_op: object | None = None  # the standby exchange handing it over

    def step(self, step: WatchStep) -> None:
        self.state = advance(self.state, step)

    def forget_probes(self) -> None:
        """Results of checks in flight will be ignored (the group restarts or pauses)."""
        for r in self.resources:
            r.probe = r.issued = None
