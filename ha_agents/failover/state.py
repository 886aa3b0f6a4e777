"""What the resource manager knows, and the helpers every part of it uses (pure, no I/O).

``ManagerState`` holds the groups (wanted vs. actual), the categories this node holds
(``rsc_hold``), what each peer announced, the standby exchange in progress, and the steps
waiting for the groups to settle.  The parts of the manager (lifecycle.py, standby.py,
splitbrain.py, legacy.py) share one ManagerState; manager.py dispatches events to them.
Phase changes go through ``enter`` and the table of phases.py.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import AutoFailback, ClusterConfig
from ha_agents.failover.actions import Action, Send
from ha_agents.failover.groups import GroupState, GroupTable
from ha_agents.failover.phases import Phase, Step, advance
from ha_agents.failover.status import FailoverStatus, GroupStatus
from ha_agents.wire.resource_msgs import Hold, Resource


class Role(enum.Enum):
    INITIATOR = "initiator"  # we go standby (give resources)
    RESPONDER = "responder"  # we take them


class Stage(enum.Enum):
    WAIT_OTHER = "wait_other"  # initiator sent 'me'
    RELEASING = "releasing"  # initiator got 'other', stopping its groups
    WAIT_DONE = "wait_done"  # waiting for the peer's 'done'
    ACQUIRING = "acquiring"  # responder got 'done', starting the groups


@dataclass(slots=True)
class StandbyOp:
    role: Role
    peer: str
    which: Hold
    stage: Stage
    deadline: float
    auto: bool = False  # auto_failback hand-back rather than an admin request

    def describe(self) -> str:
        return f"{self.role.value} {self.which.value} {self.stage.value} peer={self.peer}"


Pending = Callable[[float], list[Action]]  # runs once the groups have settled


class ManagerState:
    def __init__(self, config: ClusterConfig, options: FailoverOptions | None = None) -> None:
        self.config = config
        self.options = options or FailoverOptions()
        self.me = config.local_node
        self.peers = config.peers
        hacf = config.hacf
        self.legacy = hacf.auto_failback is AutoFailback.LEGACY
        self.failback = hacf.auto_failback is AutoFailback.ON
        self.deadtime = hacf.deadtime_ms / 1000.0
        self.keepalive = hacf.keepalive_ms / 1000.0
        self.standby_timeout = self.options.standby_timeout_s or max(self.deadtime, 2.0)
        self.has_ping = bool(hacf.ping_nodes)
        self.groups = GroupTable(config.groups)
        self.phase = Phase.INIT
        self.hold_local = False
        self.hold_foreign = False
        self.standby: StandbyOp | None = None
        self.ping_ok = True
        self.alive: dict[str, bool] = {}  # peer -> heard (True) / declared dead (False)
        self.peer_hold: dict[str, Hold] = {}
        self.gave_up: set[str] = set()  # peers that shut down cleanly
        self.joining: set[str] = set()  # peers that sent 'starting', not yet stable
        self.contested: set[str] = set()  # groups we kept after a split brain
        # kept group -> (peer, time): if the peer still claims it then, it does not give
        # way (a Heartbeat peer that did not see us die never does): we yield it
        self.yield_at: dict[str, tuple[str, float]] = {}
        self.deferred_takeover: set[str] = set()  # dead peers not taken over (ping)
        self.fencing: dict[str, float | None] = {}  # node -> retry time (None: running)
        self.frozen_grace: float | None = None  # ignore PeerDead until then
        self.dead_after_freeze: set[str] = set()
        self.ip_wait: dict[str, float] = {}  # legacy: group key -> ip-request deadline
        self.start_deadline: float | None = None
        self.start_reason = ""
        self.pending: list[Pending] = []
        self.last_now: float | None = None
        self.awaiting_failback = False  # joined while the peer held ours (auto_failback)
        self.rejoin_pending = False  # resumed from a freeze with no live peer yet
        self.refused_until: dict[str, float] = {}  # group -> failed here (monitor.py)

    def enter(self, step: Step) -> None:
        """Change phase as the table of phases.py says (IllegalTransition otherwise)."""
        self.phase = advance(self.phase, step)

    # -- status --------------------------------------------------------------------
    def rscstatus(self) -> str:
        if self.phase in (Phase.STARTING, Phase.SHUTDOWN) or not self.groups.settled():
            return "transition"
        if self.standby is not None and self.standby.stage in (Stage.RELEASING, Stage.ACQUIRING):
            return "transition"
        return Hold.of(self.hold_local, self.hold_foreign).value

    def status(self) -> FailoverStatus:
        rows = []
        for key in self.groups.names():
            state = self.groups.state(key)
            owner: str | None = None
            if state in (GroupState.RUNNING, GroupState.STARTING):
                owner = self.me
            else:
                for peer, hold in self.peer_hold.items():
                    if self.alive.get(peer) and key in self.groups.of(peer, hold):
                        owner = peer
            rows.append(
                GroupStatus(key, self.groups.home(key), state.value, owner, self.groups.since(key))
            )
        return FailoverStatus(
            rscstatus=self.rscstatus(),
            phase=self.phase.value,
            standby=self.standby.describe() if self.standby else None,
            ping_reachable=self.ping_ok,
            groups=tuple(rows),
        )

    def next_deadline(self) -> float | None:
        """The earliest time a Tick has work to do (the daemon ticks anyway)."""
        times = [t for t in self.fencing.values() if t is not None]
        times += list(self.ip_wait.values())
        if self.standby is not None:
            times.append(self.standby.deadline)
        if self.start_deadline is not None:
            times.append(self.start_deadline)
        if self.frozen_grace is not None:
            times.append(self.frozen_grace)
        times += [t for _, t in self.yield_at.values()]
        return min(times) if times else None

    # -- steps waiting for the groups to settle --------------------------------------
    def progress(self, now: float) -> list[Action]:
        """Run the steps waiting for the groups to settle, in order."""
        actions: list[Action] = []
        for _ in range(64):  # bounded: each step is finite
            if not self.pending or not self.groups.settled():
                break
            step = self.pending.pop(0)
            actions += step(now)
        return actions

    def after(self, step: Pending) -> None:
        self.pending.append(step)

    # -- helpers -------------------------------------------------------------------
    def announce_step(self, info: str) -> Pending:
        def step(_now: float) -> list[Action]:
            return self.announce(info, stable=True)

        return step

    def announce(self, info: str | None, stable: bool) -> list[Action]:
        """``t=resource``: everything we hold, as Heartbeat's hb_send_resources_held().

        Always ``rtype=full``: Heartbeat *replaces* what it believes the sender holds
        only when ``rtype=full``; without it, it ORs the value into the old one (a
        ``none`` still clears it).  So after a standby a ``rsc_hold=local`` from a node
        that held ``all`` would leave the peer believing we still hold ``all`` and logging
        ``Both machines own our resources!`` at every later message.  The one incremental
        message is mach_down's ``rsc_hold=foreign`` (as Heartbeat's mach_down script
        sends it), built in lifecycle.py.
        """
        if self.legacy or self.phase is Phase.STOPPED:
            return []
        hold = Hold.of(self.hold_local, self.hold_foreign)
        return [
            Send(
                Resource(hold, info=info, isstable=stable, rtype="full"),
                f"announce what we hold ({info})",
            )
        ]

    def recompute_flags(self) -> None:
        wanted = [k for k in self.groups.names() if self.groups.wanted(k)]
        mine = set(self.groups.of(self.me, Hold.LOCAL))
        self.hold_local = any(k in mine for k in wanted) or (self.hold_local and not mine)
        self.hold_foreign = any(k not in mine for k in wanted)

    def active_peer(self) -> str | None:
        for p in self.peers:
            if self.alive.get(p) and p not in self.gave_up:
                return p
        return None
