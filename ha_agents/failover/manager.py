"""The v1 (haresources) resource manager: who holds which group, as Heartbeat 3.0.6 decides.

A pure state machine (STYLE P1): ``ResourceManager(config, options).handle(event)``
returns actions; the daemon sends the messages, runs the group operations, and feeds the
results back as events.  Behaviour follows protocol.md §2-6 and §10 for
``auto_failback on|off|legacy``; the split-brain handling (splitbrain.py, frozen-node
check, ping tie-breaker, fencing) is ha_agents' own and documented in docs/failover.md.
"""

from __future__ import annotations

from ha_agents.failover import events as ev
from ha_agents.failover.actions import (
    Action,
    Fence,
    Level,
    Notice,
    Reannounce,
    Send,
    ShutdownComplete,
    WatchPing,
)
from ha_agents.failover.core import ManagerState, Phase, Role, Stage
from ha_agents.failover.groups import GroupState, same_node
from ha_agents.failover.messages import (
    AskResources,
    HbTakeover,
    Hold,
    IpRequest,
    IpRequestResp,
    Resource,
    Shutdone,
    Starting,
    Stonith,
    StonithResult,
)
from ha_agents.failover.splitbrain import keeper
from ha_agents.failover.standby import LEGACY_REFUSAL, StandbyProtocol

__all__ = ["LEGACY_REFUSAL", "ManagerState", "Phase", "ResourceManager"]

#: After a split brain, how long (plus deadtime) a peer may keep claiming a group we
#: kept before we yield it: more than the 2 s after which a Heartbeat peer that saw us
#: die restarts itself (heartbeat.c), releasing everything.
YIELD_GRACE_S = 2.5


class ResourceManager(StandbyProtocol):
    """``ResourceManager(config, options).handle(event) -> list[Action]``."""

    # -- public ----------------------------------------------------------------------
    def handle(self, event: ev.Event) -> list[Action]:
        now = event.now
        actions: list[Action] = []
        if self.has_ping and self._last_now is None:
            actions.append(WatchPing("ping / ping_group nodes in ha.cf"))
        actions += self._check_frozen(now)
        self._last_now = now
        actions += self._dispatch(event)
        actions += self._progress(now)
        return actions

    # -- dispatch --------------------------------------------------------------------
    def _dispatch(self, e: ev.Event) -> list[Action]:
        if self.phase is Phase.STOPPED:
            return []
        if isinstance(e, ev.Tick):
            return self._tick(e.now)
        if isinstance(e, ev.GroupDone):
            return self.groups.done(e.key, e.started, e.ok, e.detail, e.now)
        if isinstance(e, ev.CommUp):
            return self._comm_up(e.dead_peers, e.now)
        if isinstance(e, ev.PeerAlive):
            return self._peer_alive(e.node, e.now)
        if isinstance(e, ev.PeerDead):
            return self._peer_dead(e.node, e.clean, e.now)
        if isinstance(e, ev.PeerRestarted):
            return self._peer_restarted(e.node, e.now)
        if isinstance(e, ev.PeerShutdown):
            return self._peer_shutdown(e.node, e.now)
        if isinstance(e, ev.MessageIn):
            return self._message(e)
        if isinstance(e, ev.Standby):
            return self._admin_standby(e.which, e.now)
        if isinstance(e, ev.Takeover):
            return self._admin_takeover(e.which, e.now)
        if isinstance(e, ev.Shutdown):
            return self._shutdown(e.now)
        if isinstance(e, ev.PingStatus):
            return self._ping(e.reachable, e.now)
        return self._fence_done(e.node, e.ok, e.detail, e.now)

    # -- startup -------------------------------------------------------------------
    def _comm_up(self, dead_peers: tuple[str, ...], now: float) -> list[Action]:
        if self.phase is not Phase.INIT:
            return []
        for p in self.peers:
            self._alive.setdefault(p, p not in dead_peers)
        if not self.peers:
            return self._start_alone(now)
        dead = [p for p in self.peers if p in dead_peers]
        if len(dead) == len(self.peers):
            actions: list[Action] = []
            if not self.legacy:
                actions.append(Send(Starting(), "comm up, no peer heard within initdead"))
            self.phase = Phase.STABLE
            for p in dead:
                self._alive[p] = False
                actions += self._mach_down(p, now, initial=True)
            return actions
        return self._join(now, "comm up with a peer")

    def _start_alone(self, now: float) -> list[Action]:
        """A configuration with only this node takes its groups at once."""
        self.phase = Phase.STABLE
        self.hold_local = self.hold_foreign = True
        actions = self.groups.want(self.groups.names(), True, "single-node cluster", now)
        self._after(
            lambda _now: [Notice(Level.INFO, "Initial resource acquisition complete (local)")]
        )
        return actions

    def _join(self, now: float, reason: str) -> list[Action]:
        """The peer is up: ask what it holds ('starting'), or, in legacy mode, request
        our own groups with ip-request."""
        if self.legacy:
            self.phase = Phase.STABLE
            actions: list[Action] = []
            for key in self.groups.of(self.me, Hold.LOCAL):
                actions.append(Send(IpRequest(key), f"{reason}: request our group"))
                self._ip_wait[key] = now + self.deadtime
            return actions
        self.phase = Phase.STARTING
        self._start_deadline = now + self.deadtime
        return [Send(Starting(), reason)]

    def _resources_from_peer(self, peer: str, hold: Hold, now: float) -> list[Action]:
        """While starting: the established peer told us what it holds (T_RESOURCES)."""
        self.phase = Phase.STABLE
        self._start_deadline = None
        if hold.foreign:  # it holds our home groups: leave them there
            self._awaiting_failback = self.failback
            self._after(self._announce_step("T_RESOURCES(them)"))
            self._after(
                lambda _n: [
                    Notice(Level.INFO, "Initial resource acquisition complete (T_RESOURCES(them))")
                ]
            )
            return []
        return self._req_our_resources(
            now, "Initial resource acquisition complete (T_RESOURCES(us))"
        )

    def _req_our_resources(self, now: float, done_text: str) -> list[Action]:
        self.hold_local = True
        actions = self.groups.want(self.groups.of(self.me, Hold.LOCAL), True, "our own groups", now)
        self._after(self._announce_step("req_our_resources()"))
        self._after(lambda _n: [Notice(Level.INFO, done_text)])
        return actions

    # -- peer life cycle -----------------------------------------------------------
    def _peer_alive(self, node: str, now: float) -> list[Action]:
        if node not in self.peers:
            return []
        was = self._alive.get(node)
        self._alive[node] = True
        self._dead_after_freeze.discard(node)
        actions: list[Action] = []
        if node in self._fencing:
            del self._fencing[node]
            actions.append(Notice(Level.WARN, f"Fencing of {node} cancelled: it is alive again."))
        self._deferred_takeover.discard(node)
        if self._rejoin_pending and self.phase is Phase.STABLE and not self.groups.held():
            self._rejoin_pending = False
            return actions + self._join(now, "rejoining after a freeze")
        if was is False and self.phase is Phase.STABLE:
            # Returning after a partition (or after it was frozen): compare holdings.
            self._gave_up.discard(node)
            if self.legacy:
                for key in self.groups.of(self.me, Hold.LOCAL):
                    actions.append(Send(IpRequest(key), f"{node} returned: our group"))
                    self._ip_wait[key] = now + self.deadtime
            else:
                # unstable, then stable once our groups settle: a Heartbeat peer answers
                # with what it holds only when it sees us become stable again (and our
                # keeper rule needs to know that), an ha_agents peer answers either way
                actions += self._announce("partition", stable=False)
                self._after(self._announce_step("partition"))
        return actions

    def _peer_restarted(self, node: str, now: float) -> list[Action]:
        if node not in self.peers:
            return []
        self._alive[node] = True
        self._peer_hold[node] = Hold.NONE
        self._gave_up.discard(node)
        actions: list[Action] = []
        if self.standby is not None and same_node(self.standby.peer, node):
            actions += self._cancel_standby("peer restarted", now)
        return actions

    def _peer_shutdown(self, node: str, now: float) -> list[Action]:
        if node not in self.peers or node in self._gave_up:
            return []
        actions: list[Action] = []  # membership logs "Received shutdown notice from ..."
        self._gave_up.add(node)
        self._peer_hold[node] = Hold.NONE
        if self.standby is not None and same_node(self.standby.peer, node):
            actions += self._cancel_standby("peer shutting down", now)
        if self.phase is Phase.SHUTDOWN:
            actions.append(
                Notice(Level.INFO, "Resource takeover cancelled - shutdown in progress.")
            )
            return actions
        if self.phase is Phase.INIT:
            return actions
        self.phase = Phase.STABLE
        self._start_deadline = None
        actions += self._take_over(node, now, initial=False)
        return actions

    def _peer_dead(self, node: str, clean: bool, now: float, recheck: bool = False) -> list[Action]:
        if node not in self.peers:
            return []
        if not recheck and self._frozen_grace is not None and now < self._frozen_grace:
            # Just resumed from a freeze: our view of the peer is stale; re-check later.
            self._alive[node] = False
            self._dead_after_freeze.add(node)
            return []
        was = self._alive.get(node)
        self._alive[node] = False
        self._peer_hold.pop(node, None)
        self._joining.discard(node)
        if self.phase is Phase.INIT:
            return []
        actions: list[Action] = []
        if self.standby is not None and same_node(self.standby.peer, node):
            actions += self._cancel_standby("peer died", now)
        if was is False and not clean and not recheck:
            return actions
        if self.phase is Phase.STARTING:
            self.phase = Phase.STABLE
            self._start_deadline = None
            return actions + self._mach_down(node, now, initial=True)
        return actions + self._mach_down(node, now, initial=False, clean=clean)

    def _mach_down(self, node: str, now: float, initial: bool, clean: bool = False) -> list[Action]:
        if self.phase is Phase.SHUTDOWN:
            return [Notice(Level.INFO, "Resource takeover cancelled - shutdown in progress.")]
        if clean or node in self._gave_up:
            self._gave_up.add(node)
            return [
                Notice(Level.INFO, f"Dead node {node} gave up resources."),
                Send(Stonith(node, StonithResult.UNNEEDED), "peer shut down cleanly"),
            ]
        if self.has_ping and not self.ping_ok:
            self._deferred_takeover.add(node)
            return [
                Notice(
                    Level.WARN,
                    f"Not taking over resources from {node}: ping nodes unreachable.",
                    f"event=takeover_deferred node={node}",
                )
            ]
        if self.options.fence_command:
            self._fencing[node] = None
            return [
                Notice(Level.WARN, f"Fencing node {node} before takeover."),
                Fence(node, "peer declared dead; takeover waits for fencing"),
            ]
        actions: list[Action] = [
            Notice(Level.WARN, "No STONITH device configured."),
            Notice(Level.WARN, "Shared disks are not protected."),
        ]
        if not self.legacy:
            actions.append(Send(Stonith(node, StonithResult.NOT_CONFIGURED), "no fencing"))
        return actions + self._take_over(node, now, initial)

    def _take_over(self, node: str, now: float, initial: bool) -> list[Action]:
        actions: list[Action] = [Notice(Level.INFO, f"Resources being acquired from {node}.")]
        theirs = self.groups.of(node, Hold.LOCAL)
        for key in theirs:
            actions.append(Notice(Level.INFO, f"mach_down: Taking over resource group {key}"))
        self.hold_foreign = True
        actions += self.groups.want(theirs, True, f"take over from {node}", now)
        self.hold_local = True
        actions += self.groups.want(self.groups.of(self.me, Hold.LOCAL), True, "our own", now)

        def complete(_now: float) -> list[Action]:
            out: list[Action] = [
                Notice(Level.INFO, f"mach_down takeover complete for node {node}."),
                Notice(Level.INFO, "mach_down takeover complete."),
            ]
            if not self.legacy:
                # incremental on purpose (no rtype/isstable), as Heartbeat's mach_down
                # script: a Heartbeat peer ORs foreign into what we hold
                out.append(Send(Resource(Hold.FOREIGN, info="mach_down"), "took over"))
            out += self._announce("req_our_resources()", stable=True)
            if initial:
                out.append(Notice(Level.INFO, "Initial resource acquisition complete (mach_down)"))
            return out

        self._after(complete)
        return actions

    # -- messages ------------------------------------------------------------------
    def _message(self, e: ev.MessageIn) -> list[Action]:
        src, msg, now = e.src, e.message, e.now
        if same_node(src, self.me) or src not in self.peers:
            return []
        if self.phase in (Phase.SHUTDOWN, Phase.INIT) and not isinstance(
            msg, (Shutdone, IpRequest)
        ):
            return []
        if isinstance(msg, Starting):
            return self._got_starting(src, now)
        if isinstance(msg, Resource):
            return self._got_resource(src, msg, now)
        if isinstance(msg, AskResources):
            return self._got_ask(src, msg, now)
        if isinstance(msg, HbTakeover):
            if self.legacy:
                return [Notice(Level.INFO, LEGACY_REFUSAL)]
            return self._go_standby(msg.rsc_hold.complement(), now, auto=False)
        if isinstance(msg, IpRequest):
            return self._got_ip_request(src, msg, now)
        if isinstance(msg, IpRequestResp):
            return self._got_ip_response(src, msg, now)
        if isinstance(msg, Shutdone):
            return self._peer_shutdown(src, now)
        return []  # stonith: informational

    def _got_starting(self, src: str, now: float) -> list[Action]:
        if self.legacy:
            return []
        self._joining.add(src)
        self._peer_hold[src] = Hold.NONE
        self._alive[src] = True
        if self.phase is Phase.STARTING:
            # Both nodes starting at once: each takes its own groups.
            self.phase = Phase.STABLE
            self._start_deadline = None
            return self._req_our_resources(
                now, "Initial resource acquisition complete (T_STARTING)"
            )
        if self.groups.settled() and self.standby is None:
            return self._announce("T_STARTING", stable=True)
        return self._announce("T_STARTING", stable=False)

    def _got_resource(self, src: str, msg: Resource, now: float) -> list[Action]:
        self._peer_hold[src] = msg.rsc_hold
        if msg.info == "shutdown":
            return []
        actions: list[Action] = []
        if self.phase is Phase.STARTING:
            if msg.isstable is False:
                return []
            return self._resources_from_peer(src, msg.rsc_hold, now)
        if self.phase is not Phase.STABLE:
            return []
        actions += self._resolve_dual(src, msg.rsc_hold, now)
        if src in self._joining and msg.isstable:
            self._joining.discard(src)
            if self.failback and self.hold_foreign and self.standby is None:
                actions += self._go_standby(Hold.FOREIGN, now, auto=True)
        return actions

    def _resolve_dual(self, src: str, hold: Hold, now: float) -> list[Action]:
        claimed = set(self.groups.of(src, hold))
        actions: list[Action] = []
        for key in sorted(self._contested):
            if key not in claimed:  # the loser let go: point clients at us again
                self._contested.discard(key)
                self._yield_at.pop(key, None)
                actions.append(Reannounce(key, f"{src} released {key} after split brain"))
        if self.standby is not None and same_node(self.standby.peer, src):
            return actions
        both = [k for k in self.groups.held() if k in claimed]
        if not both:
            return actions
        ours = [k for k in both if same_node(self.groups.home(k), self.me)]
        if ours:
            actions.append(Notice(Level.ERROR, "Both machines own our resources!"))
        if len(ours) < len(both):
            actions.append(Notice(Level.ERROR, "Both machines own foreign resources!"))
        give: list[str] = []
        kept = False
        for key in both:
            win = keeper(self.groups.home(key), [self.me, src])
            if same_node(win, self.me):
                self._contested.add(key)
                self._yield_at.setdefault(key, (src, now + YIELD_GRACE_S + self.deadtime))
                actions.append(
                    Notice(
                        Level.CRIT,
                        f"Split brain on {key}: keeping it here ({self.me}); {src} must release.",
                        f"event=split_brain group={key} keeper={self.me}",
                    )
                )
                actions.append(Reannounce(key, "split brain resolved in our favour"))
                kept = True
            else:
                give.append(key)
                actions.append(
                    Notice(
                        Level.CRIT,
                        f"Split brain on {key}: {win} keeps it; releasing it here.",
                        f"event=split_brain group={key} keeper={win}",
                    )
                )
        if give:
            actions += self.groups.want(give, False, "lost split brain", now)
            self._recompute_flags()
            # say at once that we let go (a long stop must not look like a peer that
            # does not give way), and again once released
            actions += self._announce("split-brain", stable=False)
            self._after(self._announce_step("split-brain"))
        elif kept:
            # Tell the peer what we hold: after an asymmetric failure (only the peer
            # declared us dead) it has no other reason to hear our announcement, and the
            # keeper rule can only make it release once it does.
            actions += self._announce("split-brain", stable=True)
        return actions

    # -- legacy ip-request ---------------------------------------------------------
    def _got_ip_request(self, src: str, msg: IpRequest, now: float) -> list[Action]:
        key = msg.ipaddr
        if key not in self.groups or not self.legacy:
            return []
        if self.groups.wanted(key) or self.groups.state(key) is GroupState.STOPPING:
            actions = self.groups.want([key], False, f"ip-request from {src}", now)
            self._recompute_flags()

            def respond(_n: float) -> list[Action]:
                return [Send(IpRequestResp(src, key, weown=True), "released on request")]

            self._after(respond)
            return actions
        return [Send(IpRequestResp(src, key, weown=False), "we do not hold it")]

    def _got_ip_response(self, src: str, msg: IpRequestResp, now: float) -> list[Action]:
        if not same_node(msg.dest, self.me) or msg.ipaddr not in self._ip_wait:
            return []
        del self._ip_wait[msg.ipaddr]
        weown = "yes" if msg.weown else "no"
        ok = "OK" if msg.ok else "no"
        actions: list[Action] = [
            Notice(Level.INFO, f"received ip-request-resp {msg.ipaddr} {ok} {weown}")
        ]
        if msg.ok:
            self.hold_local = True
            actions += self.groups.want([msg.ipaddr], True, f"ip-request-resp from {src}", now)
        return actions

    # -- shutdown ------------------------------------------------------------------
    def _shutdown(self, now: float) -> list[Action]:
        if self.phase in (Phase.SHUTDOWN, Phase.STOPPED):
            return []
        self.phase = Phase.SHUTDOWN
        self._start_deadline = None
        self._fencing.clear()
        self.standby = None
        self._pending.clear()
        self.hold_local = self.hold_foreign = False
        actions: list[Action] = [
            Notice(Level.INFO, "Giving up all HA resources."),
        ]
        actions += self.groups.want(self.groups.names(), False, "shutdown", now)

        def finished(_n: float) -> list[Action]:
            self.phase = Phase.STOPPED
            out: list[Action] = [Notice(Level.INFO, "All HA resources relinquished.")]
            if not self.legacy:
                # as Heartbeat's hb_giveup_resources(): rtype=full, isstable=0
                shutdown = Resource(Hold.NONE, info="shutdown", isstable=False, rtype="full")
                out.append(Send(shutdown, "shutting down"))
            out.append(ShutdownComplete("every group released"))
            return out

        self._after(finished)
        return actions

    # -- ping, fencing, timers -------------------------------------------------------
    def _ping(self, reachable: bool, now: float) -> list[Action]:
        if reachable == self.ping_ok:
            return []
        self.ping_ok = reachable
        if reachable:
            actions: list[Action] = [Notice(Level.INFO, "Ping nodes reachable again.")]
            for node in sorted(self._deferred_takeover):
                if self._alive.get(node) is False:
                    actions += self._mach_down(node, now, initial=False)
            self._deferred_takeover.clear()
            return actions
        actions = [Notice(Level.WARN, "Ping nodes unreachable.", "event=ping_lost")]
        if self.groups.held() and self._active_peer() is not None and self.phase is Phase.STABLE:
            actions.append(
                Notice(Level.WARN, "Giving up resources to a peer that may reach the ping nodes.")
            )
            actions += self._go_standby(Hold.ALL, now, auto=False)
        return actions

    def _fence_done(self, node: str, ok: bool, detail: str, now: float) -> list[Action]:
        if node not in self._fencing or self._fencing[node] is not None:
            return []
        if not ok:
            self._fencing[node] = now + self.options.fence_retry_s
            why = f" ({detail})" if detail else ""
            return [
                Notice(
                    Level.ERROR,
                    f"Fencing of {node} failed{why}: no takeover; retrying in "
                    f"{self.options.fence_retry_s:g} s.",
                    f"event=fence_failed node={node}",
                )
            ]
        del self._fencing[node]
        if self._alive.get(node) is not False:
            return []
        actions: list[Action] = [
            Notice(Level.INFO, f"Node {node} fenced."),
            Send(Stonith(node, StonithResult.OK), "fenced"),
        ]
        return actions + self._take_over(node, now, initial=False)

    def _tick(self, now: float) -> list[Action]:
        actions: list[Action] = []
        for node, retry in list(self._fencing.items()):
            if retry is not None and now >= retry and self._alive.get(node) is False:
                self._fencing[node] = None
                actions.append(Fence(node, "retry fencing"))
        op = self.standby
        waiting = (Stage.WAIT_OTHER, Stage.WAIT_DONE)
        if op is not None and now >= op.deadline and op.stage in waiting:
            self.standby = None
            actions.append(
                Notice(Level.WARN, f"Standby [{op.which.value}] with {op.peer} timed out.")
            )
            if op.role is Role.INITIATOR and op.stage is Stage.WAIT_DONE:
                actions += self._announce("standby", stable=True)
        if self._start_deadline is not None and now >= self._start_deadline:
            self._start_deadline = None
            if self.phase is Phase.STARTING:
                actions.append(
                    Notice(Level.WARN, "No resource announcement from the peer: taking our own.")
                )
                self.phase = Phase.STABLE
                actions += self._req_our_resources(
                    now, "Initial resource acquisition complete (timeout)"
                )
        for key, deadline in list(self._ip_wait.items()):
            if now >= deadline:
                del self._ip_wait[key]
                actions.append(Notice(Level.WARN, f"No ip-request-resp for {key}: taking it."))
                self.hold_local = True
                actions += self.groups.want([key], True, "ip-request unanswered", now)
        actions += self._yield_to_stubborn_peer(now)
        if self._frozen_grace is not None and now >= self._frozen_grace:
            self._frozen_grace = None
            for node in sorted(self._dead_after_freeze):  # still not heard since
                actions += self._peer_dead(node, False, now, recheck=True)
            self._dead_after_freeze.clear()
        return actions

    def _yield_to_stubborn_peer(self, now: float) -> list[Action]:
        """A group we kept after a split brain that the peer still claims YIELD_GRACE_S +
        deadtime later: the peer does not apply the keeper rule.  A Heartbeat peer that
        saw us die restarts itself within 2 s (its shutdown announcement clears the
        claim); one that did not see us die keeps everything.  Either way one owner
        must remain, so we give it up."""
        actions: list[Action] = []
        for key, (peer, when) in list(self._yield_at.items()):
            if now < when:
                continue
            del self._yield_at[key]
            claimed = self.groups.of(peer, self._peer_hold.get(peer, Hold.NONE))
            if not (self._alive.get(peer) and key in claimed and self.groups.wanted(key)):
                continue
            self._contested.discard(key)
            actions.append(
                Notice(
                    Level.WARN,
                    f"Split brain on {key}: {peer} still holds it; releasing it here.",
                    f"event=split_brain_yield group={key} keeper={peer}",
                )
            )
            actions += self.groups.want([key], False, "peer keeps it after split brain", now)
            self._recompute_flags()
            self._after(self._announce_step("split-brain"))
        return actions

    def _check_frozen(self, now: float) -> list[Action]:
        last = self._last_now
        if last is None or now - last <= self.deadtime:
            return []
        if self.phase not in (Phase.STABLE, Phase.STARTING) or not self.peers:
            return []
        gap_ms = int((now - last) * 1000)
        # Someone may have taken over while we were stopped, unless every peer was dead.
        if not any(self._alive.get(p) for p in self.peers):
            return [Notice(Level.WARN, f"Resumed after {gap_ms} ms; no live peer, keeping ours.")]
        actions: list[Action] = [
            Notice(
                Level.CRIT,
                f"This node was frozen for {gap_ms} ms (> deadtime): giving up all "
                "resources before rejoining.",
                f"event=frozen gap_ms={gap_ms}",
            )
        ]
        self.standby = None
        self._pending.clear()
        self._fencing.clear()
        self._ip_wait.clear()
        self.hold_local = self.hold_foreign = False
        self._peer_hold.clear()
        self._frozen_grace = now + self.deadtime
        actions += self.groups.want(self.groups.names(), False, "resumed after a freeze", now)
        self.phase = Phase.STABLE

        def rejoin(n: float) -> list[Action]:
            if self._active_peer() is None:
                self._rejoin_pending = True  # join when the peer is heard again
                return []
            return self._join(n, "rejoining after a freeze")

        self._after(rejoin)
        return actions
