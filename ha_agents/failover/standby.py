"""hb_standby / hb_takeover: the ask_resources exchange (docs/heartbeat/protocol.md §4), pure.

The initiator (``ha-agents standby``, a peer's ``hb_takeover``, auto_failback, a lost
ping) sends ``ask_resources info=me``; the peer agrees with ``info=other``; the
initiator releases, announces ``resource info=standby`` and sends ``info=done``; the
peer then acquires and answers ``info=done``.  Release always completes before the
acquisition starts, so an address is never on both nodes.

A request that cannot go ahead is logged with Heartbeat 3.0.6's own lines and levels
(``hb_resource.c``'s standby handler: what Heartbeat's test suite and log watchers wait
for), then our reason at info: ``standby message [me] from NODE ignored.  local resources
in flux.`` during a transition, ``Standby in progress- new request from NODE ignored [N
seconds left]`` during another exchange, ``No reply to standby request.  Standby request
cancelled.`` when no peer answers (at once when no peer is up: Heartbeat waits 10 s).
"""

from __future__ import annotations

import math

from ha_agents.failover.actions import Action, Level, Notice, Send
from ha_agents.failover.groups import same_node
from ha_agents.failover.phases import Phase
from ha_agents.failover.state import ManagerState, Role, Stage, StandbyOp
from ha_agents.notice import fields
from ha_agents.wire.resource_msgs import AskInfo, AskResources, HbTakeover, Hold

LEGACY_REFUSAL = "Standby mode only implemented when nice_failback on"
NO_REPLY = "No reply to standby request.  Standby request cancelled."


def in_flux(src: str) -> Notice:
    return Notice(Level.WARN, f"standby message [me] from {src} ignored.  local resources in flux.")


def in_progress(src: str, seconds_left: float) -> Notice:
    left = max(0, math.ceil(seconds_left))
    text = f"Standby in progress- new request from {src} ignored [{left} seconds left]"
    return Notice(Level.WARN, text)


def _why(what: str) -> Notice:
    return Notice(Level.INFO, f"Not done: {what}.")


#: How long the taker waits for the giver's 'done' (its release): as long as Heartbeat
#: does (HB_STANDBY_RSC_TO_MS, 60 minutes; docs/failover.md).  The exchange is cancelled
#: sooner if the giver dies, restarts or shuts down.
PEER_RELEASE_WAIT_S = 3600.0


class StandbyExchange:
    """The standby / takeover exchange of one node, on the manager's shared state."""

    def __init__(self, state: ManagerState) -> None:
        self.s = state

    def admin_standby(self, which: Hold, now: float) -> list[Action]:
        if self.s.legacy:
            return [Notice(Level.INFO, LEGACY_REFUSAL)]
        going = Notice(Level.INFO, f"Going standby [{which.value}].")
        return [going, *self.go(which, now, auto=False)]

    def admin_takeover(self, which: Hold, now: float) -> list[Action]:
        out: list[Action] = [Send(HbTakeover(which), f"admin takeover {which.value}")]
        if self.s.legacy:
            out.append(Notice(Level.INFO, LEGACY_REFUSAL))
        return out

    def go(self, which: Hold, now: float, auto: bool) -> list[Action]:
        me, w = self.s.me, which.value
        if self.s.standby is not None:
            return [in_progress(me, self.s.standby.deadline - now), _why(f"standby [{w}]")]
        # An operator's request while a group starts or stops is in flux, as Heartbeat's
        # (its resource state is not stable then); the automatic hand-backs wait for the
        # phase only, as before.
        settled = auto or self.s.groups.settled()
        if self.s.phase is not Phase.STABLE or not settled:
            return [in_flux(me), _why(f"standby [{w}]: resource transition in progress")]
        peer = self.s.active_peer()
        if peer is None:
            return [
                Notice(Level.INFO, f"{me} wants to go standby [{w}]"),
                Notice(Level.WARN, NO_REPLY),
                _why(f"standby [{w}]: no active peer to take the resources"),
            ]
        self.s.standby = StandbyOp(
            Role.INITIATOR, peer, which, Stage.WAIT_OTHER, now + self.s.standby_timeout, auto
        )
        return [
            Notice(Level.INFO, f"{self.s.me} wants to go standby [{which.value}]"),
            Send(AskResources(which, AskInfo.ME), "standby request"),
        ]

    def got_ask(self, src: str, msg: AskResources, now: float) -> list[Action]:
        if self.s.legacy:
            return [Notice(Level.INFO, LEGACY_REFUSAL)]
        which, op = msg.rsc_hold, self.s.standby
        if msg.info is AskInfo.ME:
            asked = f"{src}'s standby [{which.value}]"
            if op is not None:
                return [in_progress(src, op.deadline - now), _why(asked)]
            if self.s.phase is not Phase.STABLE or not self.s.groups.settled():
                return [in_flux(src), _why(f"{asked}: resource transition in progress")]
            actions: list[Action] = [
                Notice(Level.INFO, f"{src} wants to go standby [{which.value}]")
            ]
            if self.s.has_ping and not self.s.ping_ok:
                actions.append(
                    Notice(Level.WARN, "Not accepting resources: ping nodes unreachable.")
                )
                return actions
            refused = self._failed_here(src, which, now)
            if refused is not None:
                actions.append(refused)
                return actions
            # The peer's release may take as long as its stop scripts do (a hung service's
            # stop waits for its timeouts): wait for its 'done' as Heartbeat does.
            self.s.standby = StandbyOp(
                Role.RESPONDER, src, which, Stage.WAIT_DONE, now + PEER_RELEASE_WAIT_S
            )
            actions.append(Send(AskResources(which, AskInfo.OTHER), "we can take them"))
            return actions
        if op is None or not same_node(op.peer, src):
            return []
        if msg.info is AskInfo.OTHER and op.role is Role.INITIATOR and op.stage is Stage.WAIT_OTHER:
            return self._release(op, now)
        if msg.info is AskInfo.DONE and op.role is Role.INITIATOR and op.stage is Stage.WAIT_DONE:
            self.s.standby = None
            text = f"Other node completed standby takeover of {op.which.value} resources."
            return [Notice(Level.INFO, text), *self.s.announce("standby", stable=True)]
        if msg.info is AskInfo.DONE and op.role is Role.RESPONDER and op.stage is Stage.WAIT_DONE:
            return self._acquire(op, now)
        return []

    def _failed_here(self, src: str, which: Hold, now: float) -> Notice | None:
        """Resource monitoring handed these groups away after they failed here: taking
        them back within the monitor's window would bounce them (failover/monitor.py)."""
        until = self.s.refused_until
        back = [k for k in self.s.groups.of(src, which) if until.get(k, now) > now]
        if not back:
            return None
        left = max(until[k] for k in back) - now
        groups = ", ".join(back)
        return Notice(
            Level.WARN,
            f"Not accepting resources: {groups} failed here (resource monitoring); not "
            f"taking it back for {left:.0f} s.",
            fields("event=refused_back"),
        )

    def _release(self, op: StandbyOp, now: float) -> list[Action]:
        w = op.which.value
        op.stage = Stage.RELEASING
        op.deadline = now + self.s.standby_timeout + 60.0  # our own stops: bounded by runner
        give = [k for k in self.s.groups.of(self.s.me, op.which) if self.s.groups.wanted(k)]
        if op.which.local:
            self.s.hold_local = False
        if op.which.foreign:
            self.s.hold_foreign = False
        actions: list[Action] = [
            Notice(Level.INFO, f"standby: {op.peer} can take our {w} resources"),
            Notice(Level.INFO, f"give up {w} HA resources (standby)."),
        ]
        actions += self.s.groups.want(give, False, f"standby {w}", now)
        actions += self.s.announce("standby", stable=False)

        def released(n: float) -> list[Action]:
            if self.s.standby is not op:
                return []
            op.stage = Stage.WAIT_DONE
            op.deadline = n + self.s.standby_timeout
            return [
                Notice(Level.INFO, f"{w} HA resource release completed (standby)."),
                Notice(Level.INFO, f"Local standby process completed [{w}]."),
                Send(AskResources(op.which, AskInfo.DONE), "our part of the standby is done"),
            ]

        self.s.after(released)
        return actions

    def _acquire(self, op: StandbyOp, now: float) -> list[Action]:
        w = op.which.value
        op.stage = Stage.ACQUIRING
        op.deadline = now + self.s.standby_timeout + 60.0
        take = self.s.groups.of(op.peer, op.which)
        mine = set(self.s.groups.of(self.s.me, Hold.LOCAL))
        if any(k in mine for k in take) or op.which.foreign:
            self.s.hold_local = True
        if any(k not in mine for k in take) or op.which.local:
            self.s.hold_foreign = True
        actions: list[Action] = [
            Notice(Level.INFO, f"standby: acquire [{w}] resources from {op.peer}"),
            Notice(Level.INFO, f"acquire {w} HA resources (standby)."),
        ]
        actions += self.s.groups.want(take, True, f"standby takeover {w}", now)
        started_as_joiner = self.s.awaiting_failback
        self.s.awaiting_failback = False

        def acquired(_n: float) -> list[Action]:
            if self.s.standby is op:
                self.s.standby = None
            out: list[Action] = [
                Notice(Level.INFO, f"{w} HA resource acquisition completed (standby)."),
                Notice(Level.INFO, f"Standby resource acquisition done [{w}]."),
            ]
            if started_as_joiner:
                out.append(
                    Notice(Level.INFO, "Initial resource acquisition complete (auto_failback)")
                )
            out += self.s.announce("standby", stable=True)
            out.append(Send(AskResources(op.which, AskInfo.DONE), "standby takeover done"))
            return out

        self.s.after(acquired)
        return actions

    def cancel(self, why: str, now: float) -> list[Action]:
        op = self.s.standby
        self.s.standby = None
        if op is None:
            return []
        return [Notice(Level.INFO, f"Cancelling pending standby operation ({why}).")]

    def timeout(self, now: float) -> list[Action]:
        """A standby exchange the peer stopped answering is abandoned at its deadline."""
        s, op = self.s, self.s.standby
        waiting = (Stage.WAIT_OTHER, Stage.WAIT_DONE)
        if op is None or now < op.deadline or op.stage not in waiting:
            return []
        s.standby = None
        why = f"standby [{op.which.value}]: no answer from {op.peer} in time"
        actions: list[Action] = [Notice(Level.WARN, NO_REPLY), _why(why)]
        if op.role is Role.INITIATOR and op.stage is Stage.WAIT_DONE:
            actions += s.announce("standby", stable=True)
        return actions
