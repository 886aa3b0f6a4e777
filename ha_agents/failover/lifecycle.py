"""The cluster's life as the resource manager sees it (pure): start-up and joining, peers
arriving, restarting, shutting down and dying, the takeover that follows a death
(``mach_down``), and the two guards in front of it — the ping tie-breaker and fencing.

Behaviour follows docs/heartbeat/protocol.md §2-6 and §10 for ``auto_failback
on|off|legacy``; the ping and fencing guards are ha_agents' own (docs/failover.md).
"""

from __future__ import annotations

from ha_agents.failover.actions import Action, Fence, Level, Notice, Send
from ha_agents.failover.groups import same_node
from ha_agents.failover.phases import Phase, Step
from ha_agents.failover.standby import StandbyExchange
from ha_agents.failover.state import ManagerState
from ha_agents.notice import fields
from ha_agents.wire.resource_msgs import Hold, IpRequest, Resource, Starting, Stonith, StonithResult


class Lifecycle:
    def __init__(self, state: ManagerState, standby: StandbyExchange) -> None:
        self.s = state
        self.standby = standby

    # -- start-up ------------------------------------------------------------------------
    def comm_up(self, dead_peers: tuple[str, ...], now: float) -> list[Action]:
        s = self.s
        if s.phase is not Phase.INIT:
            return []
        for p in s.peers:
            s.alive.setdefault(p, p not in dead_peers)
        if not s.peers:
            return self._start_alone(now)
        dead = [p for p in s.peers if p in dead_peers]
        if len(dead) < len(s.peers):
            return self.join(now, "comm up with a peer")
        actions: list[Action] = []
        if not s.legacy:
            actions.append(Send(Starting(), "comm up, no peer heard within initdead"))
        s.enter(Step.ALONE)
        for p in dead:
            s.alive[p] = False
            actions += self.mach_down(p, now, initial=True)
        return actions

    def _start_alone(self, now: float) -> list[Action]:
        """A configuration with only this node takes its groups at once."""
        s = self.s
        s.enter(Step.ALONE)
        s.hold_local = s.hold_foreign = True
        actions = s.groups.want(s.groups.names(), True, "single-node cluster", now)
        s.after(lambda _now: [Notice(Level.INFO, "Initial resource acquisition complete (local)")])
        return actions

    def join(self, now: float, reason: str) -> list[Action]:
        """The peer is up: ask what it holds ('starting'), or, in legacy mode, request
        our own groups with ip-request."""
        s = self.s
        if s.legacy:
            s.enter(Step.LEGACY_JOIN)
            return self._ip_requests(now, reason)
        s.enter(Step.JOIN)
        s.start_deadline = now + s.deadtime
        return [Send(Starting(), reason)]

    def _ip_requests(self, now: float, reason: str) -> list[Action]:
        actions: list[Action] = []
        for key in self.s.groups.of(self.s.me, Hold.LOCAL):
            actions.append(Send(IpRequest(key), f"{reason}: request our group"))
            self.s.ip_wait[key] = now + self.s.deadtime
        return actions

    def resources_from_peer(self, hold: Hold, now: float) -> list[Action]:
        """While starting: the established peer told us what it holds (T_RESOURCES)."""
        s = self.s
        s.enter(Step.PEER_RESOURCES)
        s.start_deadline = None
        if hold.foreign:  # it holds our home groups: leave them there
            s.awaiting_failback = s.failback
            s.after(s.announce_step("T_RESOURCES(them)"))
            done = "Initial resource acquisition complete (T_RESOURCES(them))"
            s.after(lambda _n: [Notice(Level.INFO, done)])
            return []
        return self.req_our_resources(
            now, "Initial resource acquisition complete (T_RESOURCES(us))"
        )

    def req_our_resources(self, now: float, done_text: str) -> list[Action]:
        s = self.s
        s.hold_local = True
        actions = s.groups.want(s.groups.of(s.me, Hold.LOCAL), True, "our own groups", now)
        s.after(s.announce_step("req_our_resources()"))
        s.after(lambda _n: [Notice(Level.INFO, done_text)])
        return actions

    def got_starting(self, src: str, now: float) -> list[Action]:
        s = self.s
        if s.legacy:
            return []
        s.joining.add(src)
        s.peer_hold[src] = Hold.NONE
        s.alive[src] = True
        if s.phase is Phase.STARTING:
            # Both nodes starting at once: each takes its own groups.
            s.enter(Step.PEER_STARTING)
            s.start_deadline = None
            return self.req_our_resources(now, "Initial resource acquisition complete (T_STARTING)")
        stable = s.groups.settled() and s.standby is None
        return s.announce("T_STARTING", stable=stable)

    def start_timeout(self, now: float) -> list[Action]:
        s = self.s
        if s.start_deadline is None or now < s.start_deadline:
            return []
        s.start_deadline = None
        if s.phase is not Phase.STARTING:
            return []
        text = "No resource announcement from the peer: taking our own."
        s.enter(Step.START_TIMEOUT)
        return [
            Notice(Level.WARN, text),
            *self.req_our_resources(now, "Initial resource acquisition complete (timeout)"),
        ]

    # -- peers ---------------------------------------------------------------------------
    def peer_alive(self, node: str, now: float) -> list[Action]:
        s = self.s
        if node not in s.peers:
            return []
        was = s.alive.get(node)
        s.alive[node] = True
        s.dead_after_freeze.discard(node)
        actions: list[Action] = []
        if node in s.fencing:
            del s.fencing[node]
            actions.append(Notice(Level.WARN, f"Fencing of {node} cancelled: it is alive again."))
        s.deferred_takeover.discard(node)
        if s.rejoin_pending and s.phase is Phase.STABLE and not s.groups.held():
            s.rejoin_pending = False
            return actions + self.join(now, "rejoining after a freeze")
        if was is False and s.phase is Phase.STABLE:
            # Returning after a partition (or after it was frozen): compare holdings.
            s.gave_up.discard(node)
            if s.legacy:
                actions += self._ip_requests(now, f"{node} returned")
            else:
                # unstable, then stable once our groups settle: a Heartbeat peer answers
                # with what it holds only when it sees us become stable again (and our
                # keeper rule needs to know that), an ha_agents peer answers either way
                actions += s.announce("partition", stable=False)
                s.after(s.announce_step("partition"))
        return actions

    def peer_restarted(self, node: str, now: float) -> list[Action]:
        s = self.s
        if node not in s.peers:
            return []
        s.alive[node] = True
        s.peer_hold[node] = Hold.NONE
        s.gave_up.discard(node)
        if s.standby is not None and same_node(s.standby.peer, node):
            return self.standby.cancel("peer restarted", now)
        return []

    def peer_shutdown(self, node: str, now: float) -> list[Action]:
        s = self.s
        if node not in s.peers or node in s.gave_up:
            return []
        actions: list[Action] = []  # membership logs "Received shutdown notice from ..."
        s.gave_up.add(node)
        s.peer_hold[node] = Hold.NONE
        if s.standby is not None and same_node(s.standby.peer, node):
            actions += self.standby.cancel("peer shutting down", now)
        if s.phase is Phase.SHUTDOWN:
            text = "Resource takeover cancelled - shutdown in progress."
            return [*actions, Notice(Level.INFO, text)]
        if s.phase is Phase.INIT:
            return actions
        s.enter(Step.PEER_LEFT)
        s.start_deadline = None
        return actions + self.take_over(node, now, initial=False)

    def peer_dead(self, node: str, clean: bool, now: float, recheck: bool = False) -> list[Action]:
        s = self.s
        if node not in s.peers:
            return []
        if not recheck and s.frozen_grace is not None and now < s.frozen_grace:
            # Just resumed from a freeze: our view of the peer is stale; re-check later.
            s.alive[node] = False
            s.dead_after_freeze.add(node)
            return []
        was = s.alive.get(node)
        s.alive[node] = False
        s.peer_hold.pop(node, None)
        s.joining.discard(node)
        s.contested.clear()  # a split brain ends with the peer: the next one is logged anew
        if s.phase is Phase.INIT:
            return []
        actions: list[Action] = []
        if s.standby is not None and same_node(s.standby.peer, node):
            actions += self.standby.cancel("peer died", now)
        if was is False and not clean and not recheck:
            return actions
        if s.phase is Phase.STARTING:
            s.enter(Step.PEER_LEFT)
            s.start_deadline = None
            return actions + self.mach_down(node, now, initial=True)
        return actions + self.mach_down(node, now, initial=False, clean=clean)

    # -- takeover ------------------------------------------------------------------------
    def mach_down(self, node: str, now: float, initial: bool, clean: bool = False) -> list[Action]:
        s = self.s
        if s.phase is Phase.SHUTDOWN:
            return [Notice(Level.INFO, "Resource takeover cancelled - shutdown in progress.")]
        if clean or node in s.gave_up:
            s.gave_up.add(node)
            return [
                Notice(Level.INFO, f"Dead node {node} gave up resources."),
                Send(Stonith(node, StonithResult.UNNEEDED), "peer shut down cleanly"),
            ]
        if s.has_ping and not s.ping_ok:
            s.deferred_takeover.add(node)
            text = f"Not taking over resources from {node}: ping nodes unreachable."
            tag = fields(f"event=takeover_deferred node={node}")
            return [Notice(Level.WARN, text, tag)]
        if s.options.fence_command:
            s.fencing[node] = None
            return [
                Notice(Level.WARN, f"Fencing node {node} before takeover."),
                Fence(node, "peer declared dead; takeover waits for fencing"),
            ]
        actions: list[Action] = [
            Notice(Level.WARN, "No STONITH device configured."),
            Notice(Level.WARN, "Shared disks are not protected."),
        ]
        if not s.legacy:
            actions.append(Send(Stonith(node, StonithResult.NOT_CONFIGURED), "no fencing"))
        return actions + self.take_over(node, now, initial)

    def take_over(self, node: str, now: float, initial: bool) -> list[Action]:
        s = self.s
        actions: list[Action] = [Notice(Level.INFO, f"Resources being acquired from {node}.")]
        theirs = s.groups.of(node, Hold.LOCAL)
        for key in theirs:
            actions.append(Notice(Level.INFO, f"mach_down: Taking over resource group {key}"))
        s.hold_foreign = True
        actions += s.groups.want(theirs, True, f"take over from {node}", now)
        s.hold_local = True
        actions += s.groups.want(s.groups.of(s.me, Hold.LOCAL), True, "our own", now)

        def complete(_now: float) -> list[Action]:
            out: list[Action] = [
                Notice(Level.INFO, f"mach_down takeover complete for node {node}."),
                Notice(Level.INFO, "mach_down takeover complete."),
            ]
            if not s.legacy:
                # incremental on purpose (no rtype/isstable), as Heartbeat's mach_down
                # script: a Heartbeat peer ORs foreign into what we hold
                out.append(Send(Resource(Hold.FOREIGN, info="mach_down"), "took over"))
            out += s.announce("req_our_resources()", stable=True)
            if initial:
                out.append(Notice(Level.INFO, "Initial resource acquisition complete (mach_down)"))
            return out

        s.after(complete)
        return actions

    # -- the guards: ping tie-breaker and fencing ---------------------------------------
    def ping(self, reachable: bool, now: float) -> list[Action]:
        s = self.s
        if reachable == s.ping_ok:
            return []
        s.ping_ok = reachable
        if reachable:
            actions: list[Action] = [Notice(Level.INFO, "Ping nodes reachable again.")]
            for node in sorted(s.deferred_takeover):
                if s.alive.get(node) is False:
                    actions += self.mach_down(node, now, initial=False)
            s.deferred_takeover.clear()
            return actions
        actions = [Notice(Level.WARN, "Ping nodes unreachable.", fields("event=ping_lost"))]
        if s.groups.held() and s.active_peer() is not None and s.phase is Phase.STABLE:
            text = "Giving up resources to a peer that may reach the ping nodes."
            actions.append(Notice(Level.WARN, text))
            actions += self.standby.go(Hold.ALL, now, auto=False)
        return actions

    def fence_done(self, node: str, ok: bool, detail: str, now: float) -> list[Action]:
        s = self.s
        if node not in s.fencing or s.fencing[node] is not None:
            return []
        if not ok:
            s.fencing[node] = now + s.options.fence_retry_s
            why = f" ({detail})" if detail else ""
            text = (
                f"Fencing of {node} failed{why}: no takeover; retrying in "
                f"{s.options.fence_retry_s:g} s."
            )
            return [Notice(Level.ERROR, text, fields(f"event=fence_failed node={node}"))]
        del s.fencing[node]
        if s.alive.get(node) is not False:
            return []
        actions: list[Action] = [
            Notice(Level.INFO, f"Node {node} fenced."),
            Send(Stonith(node, StonithResult.OK), "fenced"),
        ]
        return actions + self.take_over(node, now, initial=False)

    def fence_retries(self, now: float) -> list[Action]:
        actions: list[Action] = []
        for node, retry in list(self.s.fencing.items()):
            if retry is not None and now >= retry and self.s.alive.get(node) is False:
                self.s.fencing[node] = None
                actions.append(Fence(node, "retry fencing"))
        return actions
