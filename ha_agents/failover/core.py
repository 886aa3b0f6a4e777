"""The resource manager's state and the helpers every part of it uses (pure, no I/O).

``ManagerState`` holds what this node knows: the groups (wanted vs. actual), the
categories it holds (``rsc_hold``), what each peer announced, the standby exchange in
progress, and the steps waiting for the groups to settle.  The protocol lives in
standby.py (hb_standby / hb_takeover) and manager.py (everything else).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ha_agents.config.model import AutoFailback, ClusterConfig
from ha_agents.failover.actions import Action, Send
from ha_agents.failover.groups import GroupState, GroupTable
from ha_agents.failover.messages import Hold, Resource
from ha_agents.failover.options import FailoverOptions
from ha_agents.failover.status import FailoverStatus, GroupStatus


class Phase(enum.Enum):
    INIT = "init"  # waiting for the cluster view (peer heard, or initdead over)
    STARTING = "starting"  # sent 'starting', waiting for the peer's resource announcement
    STABLE = "stable"
    SHUTDOWN = "shutdown"  # giving everything up
    STOPPED = "stopped"  # shutdown complete


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


Step = Callable[[float], list[Action]]


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
        self._alive: dict[str, bool] = {}  # peer -> heard (True) / declared dead (False)
        self._peer_hold: dict[str, Hold] = {}
        self._gave_up: set[str] = set()  # peers that shut down cleanly
        self._joining: set[str] = set()  # peers that sent 'starting', not yet stable
        self._contested: set[str] = set()  # groups we kept after a split brain
        # kept group -> (peer, time): if the peer still claims it then, it does not give
        # way (a Heartbeat peer that did not see us die never does): we yield it
        self._yield_at: dict[str, tuple[str, float]] = {}
        self._deferred_takeover: set[str] = set()  # dead peers not taken over (ping)
        self._fencing: dict[str, float | None] = {}  # node -> retry time (None: running)
        self._frozen_grace: float | None = None  # ignore PeerDead until then
        self._dead_after_freeze: set[str] = set()
        self._ip_wait: dict[str, float] = {}  # legacy: group key -> ip-request deadline
        self._start_deadline: float | None = None
        self._start_reason = ""
        self._pending: list[Step] = []
        self._last_now: float | None = None
        self._awaiting_failback = False  # joined while the peer held ours (auto_failback)
        self._rejoin_pending = False  # resumed from a freeze with no live peer yet

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
                for peer, hold in self._peer_hold.items():
                    if self._alive.get(peer) and key in self.groups.of(peer, hold):
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
        times = [t for t in self._fencing.values() if t is not None]
        times += list(self._ip_wait.values())
        if self.standby is not None:
            times.append(self.standby.deadline)
        if self._start_deadline is not None:
            times.append(self._start_deadline)
        if self._frozen_grace is not None:
            times.append(self._frozen_grace)
        times += [t for _, t in self._yield_at.values()]
        return min(times) if times else None

    # -- steps waiting for the groups to settle --------------------------------------
    def _progress(self, now: float) -> list[Action]:
        """Run the steps waiting for the groups to settle, in order."""
        actions: list[Action] = []
        for _ in range(64):  # bounded: each step is finite
            if not self._pending or not self.groups.settled():
                break
            step = self._pending.pop(0)
            actions += step(now)
        return actions

    def _after(self, step: Step) -> None:
        self._pending.append(step)

    # -- helpers -------------------------------------------------------------------
    def _announce_step(self, info: str) -> Step:
        def step(_now: float) -> list[Action]:
            return self._announce(info, stable=True)

        return step

    def _announce(self, info: str | None, stable: bool) -> list[Action]:
        """``t=resource``: everything we hold, as Heartbeat's hb_send_resources_held().

        Always ``rtype=full``: Heartbeat (process_resources) *replaces* what it believes
        the sender holds only when ``rtype=full``; without it, it ORs the value into the
        old one (a ``none`` still clears it).  So after a standby ``rsc_hold=local`` from a
        node that held ``all`` would leave the peer believing we still hold ``all`` and
        logging ``Both machines own our resources!`` at every later message.  The one
        incremental message is mach_down's ``rsc_hold=foreign`` (as Heartbeat's
        mach_down script sends it), built in manager.py.
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

    def _recompute_flags(self) -> None:
        wanted = [k for k in self.groups.names() if self.groups.wanted(k)]
        mine = set(self.groups.of(self.me, Hold.LOCAL))
        self.hold_local = any(k in mine for k in wanted) or (self.hold_local and not mine)
        self.hold_foreign = any(k not in mine for k in wanted)

    def _active_peer(self) -> str | None:
        for p in self.peers:
            if self._alive.get(p) and p not in self._gave_up:
                return p
        return None
