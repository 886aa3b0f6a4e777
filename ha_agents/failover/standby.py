"""hb_standby / hb_takeover: the ask_resources exchange (docs/heartbeat/protocol.md §4), pure.

The initiator (``ha-agents standby``, a peer's ``hb_takeover``, auto_failback, a lost
ping) sends ``ask_resources info=me``; the peer agrees with ``info=other``; the
initiator releases, announces ``resource info=standby`` and sends ``info=done``; the
peer then acquires and answers ``info=done``.  Release always completes before the
acquisition starts, so an address is never on both nodes.
"""

from __future__ import annotations

from ha_agents.failover.actions import Action, Level, Notice, Send
from ha_agents.failover.core import ManagerState, Phase, Role, Stage, StandbyOp
from ha_agents.failover.groups import same_node
from ha_agents.failover.messages import AskInfo, AskResources, HbTakeover, Hold

LEGACY_REFUSAL = "Standby mode only implemented when nice_failback on"


class StandbyProtocol(ManagerState):
    def _admin_standby(self, which: Hold, now: float) -> list[Action]:
        if self.legacy:
            return [Notice(Level.INFO, LEGACY_REFUSAL)]
        going = Notice(Level.INFO, f"Going standby [{which.value}].")
        return [going, *self._go_standby(which, now, auto=False)]

    def _admin_takeover(self, which: Hold, now: float) -> list[Action]:
        out: list[Action] = [Send(HbTakeover(which), f"admin takeover {which.value}")]
        if self.legacy:
            out.append(Notice(Level.INFO, LEGACY_REFUSAL))
        return out

    def _go_standby(self, which: Hold, now: float, auto: bool) -> list[Action]:
        peer = self._active_peer()
        if peer is None:
            return [Notice(Level.WARN, f"Standby [{which.value}] refused: no active peer.")]
        if self.phase is not Phase.STABLE or self.standby is not None:
            return [
                Notice(
                    Level.WARN,
                    f"Standby [{which.value}] refused: resource transition in progress.",
                )
            ]
        self.standby = StandbyOp(
            Role.INITIATOR, peer, which, Stage.WAIT_OTHER, now + self.standby_timeout, auto
        )
        return [
            Notice(Level.INFO, f"{self.me} wants to go standby [{which.value}]"),
            Send(AskResources(which, AskInfo.ME), "standby request"),
        ]

    def _got_ask(self, src: str, msg: AskResources, now: float) -> list[Action]:
        if self.legacy:
            return [Notice(Level.INFO, LEGACY_REFUSAL)]
        which, op = msg.rsc_hold, self.standby
        if msg.info is AskInfo.ME:
            actions: list[Action] = [
                Notice(Level.INFO, f"{src} wants to go standby [{which.value}]")
            ]
            if self.has_ping and not self.ping_ok:
                actions.append(
                    Notice(Level.WARN, "Not accepting resources: ping nodes unreachable.")
                )
                return actions
            if op is not None or self.phase is not Phase.STABLE or not self.groups.settled():
                actions.append(
                    Notice(Level.WARN, "Not accepting resources: transition in progress.")
                )
                return actions
            self.standby = StandbyOp(
                Role.RESPONDER, src, which, Stage.WAIT_DONE, now + self.standby_timeout
            )
            actions.append(Send(AskResources(which, AskInfo.OTHER), "we can take them"))
            return actions
        if op is None or not same_node(op.peer, src):
            return []
        if msg.info is AskInfo.OTHER and op.role is Role.INITIATOR and op.stage is Stage.WAIT_OTHER:
            return self._standby_release(op, now)
        if msg.info is AskInfo.DONE and op.role is Role.INITIATOR and op.stage is Stage.WAIT_DONE:
            self.standby = None
            text = f"Other node completed standby takeover of {op.which.value} resources."
            return [Notice(Level.INFO, text), *self._announce("standby", stable=True)]
        if msg.info is AskInfo.DONE and op.role is Role.RESPONDER and op.stage is Stage.WAIT_DONE:
            return self._standby_acquire(op, now)
        return []

    def _standby_release(self, op: StandbyOp, now: float) -> list[Action]:
        w = op.which.value
        op.stage = Stage.RELEASING
        op.deadline = now + self.standby_timeout + 60.0  # our own stops: bounded by runner
        give = [k for k in self.groups.of(self.me, op.which) if self.groups.wanted(k)]
        if op.which.local:
            self.hold_local = False
        if op.which.foreign:
            self.hold_foreign = False
        actions: list[Action] = [
            Notice(Level.INFO, f"standby: {op.peer} can take our {w} resources"),
            Notice(Level.INFO, f"give up {w} HA resources (standby)."),
        ]
        actions += self.groups.want(give, False, f"standby {w}", now)
        actions += self._announce("standby", stable=False)

        def released(n: float) -> list[Action]:
            if self.standby is not op:
                return []
            op.stage = Stage.WAIT_DONE
            op.deadline = n + self.standby_timeout
            return [
                Notice(Level.INFO, f"{w} HA resource release completed (standby)."),
                Notice(Level.INFO, f"Local standby process completed [{w}]."),
                Send(AskResources(op.which, AskInfo.DONE), "our part of the standby is done"),
            ]

        self._after(released)
        return actions

    def _standby_acquire(self, op: StandbyOp, now: float) -> list[Action]:
        w = op.which.value
        op.stage = Stage.ACQUIRING
        op.deadline = now + self.standby_timeout + 60.0
        take = self.groups.of(op.peer, op.which)
        mine = set(self.groups.of(self.me, Hold.LOCAL))
        if any(k in mine for k in take) or op.which.foreign:
            self.hold_local = True
        if any(k not in mine for k in take) or op.which.local:
            self.hold_foreign = True
        actions: list[Action] = [
            Notice(Level.INFO, f"standby: acquire [{w}] resources from {op.peer}"),
            Notice(Level.INFO, f"acquire {w} HA resources (standby)."),
        ]
        actions += self.groups.want(take, True, f"standby takeover {w}", now)
        started_as_joiner = self._awaiting_failback
        self._awaiting_failback = False

        def acquired(_n: float) -> list[Action]:
            if self.standby is op:
                self.standby = None
            out: list[Action] = [
                Notice(Level.INFO, f"{w} HA resource acquisition completed (standby)."),
                Notice(Level.INFO, f"Standby resource acquisition done [{w}]."),
            ]
            if started_as_joiner:
                out.append(
                    Notice(Level.INFO, "Initial resource acquisition complete (auto_failback)")
                )
            out += self._announce("standby", stable=True)
            out.append(Send(AskResources(op.which, AskInfo.DONE), "standby takeover done"))
            return out

        self._after(acquired)
        return actions

    def _cancel_standby(self, why: str, now: float) -> list[Action]:
        op = self.standby
        self.standby = None
        if op is None:
            return []
        return [Notice(Level.INFO, f"Cancelling pending standby operation ({why}).")]
