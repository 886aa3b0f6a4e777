"""Who keeps a group that two nodes hold at once (after a partition heals).

The rule, identical on every node so both reach the same verdict from the same facts:

1. the group's home node (first word of its haresources line) keeps it if it holds it;
2. otherwise the holder whose name sorts first (case-insensitive) keeps it.

Every other holder releases it at once; the keeper re-sends gratuitous ARP
(``SplitBrain``).  Each node logs Heartbeat's ``Both machines own ... resources!`` (ERROR,
as Heartbeat) and its verdict (WARN: nothing is left for a human to do) once per split
brain, not at every announcement the peer repeats while it releases.

A node that finds it was frozen for longer than deadtime releases before it rejoins
(``FreezeGuard``), so a resumed node never contests a group its peer took over while it
was stopped.
"""

from __future__ import annotations

from collections.abc import Iterable

from ha_agents.failover.actions import Action, Level, Notice, Reannounce
from ha_agents.failover.groups import same_node
from ha_agents.failover.lifecycle import Lifecycle
from ha_agents.failover.phases import Phase, Step
from ha_agents.failover.state import ManagerState
from ha_agents.notice import fields
from ha_agents.wire.resource_msgs import Hold

#: After a split brain, how long (plus deadtime) a peer may keep claiming a group we
#: kept before we yield it: more than the 2 s after which a Heartbeat peer that saw us
#: die restarts itself, releasing everything.
YIELD_GRACE_S = 2.5


def keeper(home: str, holders: Iterable[str]) -> str:
    names = list(holders)
    if not names:
        raise ValueError("keeper() needs at least one holder")
    for n in names:
        if n.lower() == home.lower():
            return n
    return min(names, key=str.lower)


class SplitBrain:
    """Two nodes hold the same group (a partition healed): the keeper rule decides, the
    loser releases, the keeper re-announces its addresses."""

    def __init__(self, state: ManagerState) -> None:
        self.s = state

    def resolve(self, src: str, hold: Hold, now: float) -> list[Action]:
        s = self.s
        claimed = set(s.groups.of(src, hold))
        actions: list[Action] = []
        for key in sorted(s.contested):
            if key not in claimed:  # the loser let go: point clients at us again
                s.contested.discard(key)
                s.yield_at.pop(key, None)
                actions.append(Reannounce(key, f"{src} released {key} after split brain"))
        if s.standby is not None and same_node(s.standby.peer, src):
            return actions
        both = [k for k in s.groups.held() if k in claimed]
        if not both:
            return actions
        new = [k for k in both if k not in s.contested]  # the others were logged already
        ours = [k for k in new if same_node(s.groups.home(k), s.me)]
        if ours:
            actions.append(Notice(Level.ERROR, "Both machines own our resources!"))
        if len(ours) < len(new):
            actions.append(Notice(Level.ERROR, "Both machines own foreign resources!"))
        give = [k for k in both if not same_node(keeper(s.groups.home(k), [s.me, src]), s.me)]
        actions += self._verdicts(src, new, give, now)
        if give:
            actions += s.groups.want(give, False, "lost split brain", now)
            s.recompute_flags()
            # say at once that we let go (a long stop must not look like a peer that does
            # not give way), and again once released
            actions += s.announce("split-brain", stable=False)
            s.after(s.announce_step("split-brain"))
        elif both:
            # Tell the peer what we hold: after an asymmetric failure (only the peer
            # declared us dead) it has no other reason to hear our announcement, and the
            # keeper rule can only make it release once it does.
            actions += s.announce("split-brain", stable=True)
        return actions

    def _verdicts(self, src: str, both: list[str], give: list[str], now: float) -> list[Action]:
        s = self.s
        actions: list[Action] = []
        for key in both:
            win = keeper(s.groups.home(key), [s.me, src])
            if key in give:
                text = f"Split brain on {key}: {win} keeps it; releasing it here."
                tag = fields(f"event=split_brain group={key} keeper={win}")
                actions.append(Notice(Level.WARN, text, tag))
                continue
            s.contested.add(key)
            s.yield_at.setdefault(key, (src, now + YIELD_GRACE_S + s.deadtime))
            text = f"Split brain on {key}: keeping it here ({s.me}); {src} must release."
            tag = fields(f"event=split_brain group={key} keeper={s.me}")
            actions.append(Notice(Level.WARN, text, tag))
            actions.append(Reannounce(key, "split brain resolved in our favour"))
        return actions

    def yield_overdue(self, now: float) -> list[Action]:
        """A group we kept after a split brain that the peer still claims YIELD_GRACE_S +
        deadtime later: the peer does not apply the keeper rule.  A Heartbeat peer that
        saw us die restarts itself within 2 s (its shutdown announcement clears the
        claim); one that did not see us die keeps everything.  Either way one owner must
        remain, so we give it up."""
        s = self.s
        actions: list[Action] = []
        for key, (peer, when) in list(s.yield_at.items()):
            if now < when:
                continue
            del s.yield_at[key]
            claimed = s.groups.of(peer, s.peer_hold.get(peer, Hold.NONE))
            if not (s.alive.get(peer) and key in claimed and s.groups.wanted(key)):
                continue
            s.contested.discard(key)
            text = f"Split brain on {key}: {peer} still holds it; releasing it here."
            tag = fields(f"event=split_brain_yield group={key} keeper={peer}")
            actions.append(Notice(Level.WARN, text, tag))
            actions += s.groups.want([key], False, "peer keeps it after split brain", now)
            s.recompute_flags()
            s.after(s.announce_step("split-brain"))
        return actions


class FreezeGuard:
    """This process was stopped (SIGSTOP, a paused VM) for longer than deadtime: a peer
    may have taken over meanwhile, so give everything up before rejoining, and re-check
    the peers' deaths seen in the first deadtime after resuming (our view was stale)."""

    def __init__(self, state: ManagerState, lifecycle: Lifecycle) -> None:
        self.s = state
        self.lifecycle = lifecycle

    def check(self, now: float) -> list[Action]:
        s = self.s
        last = s.last_now
        if last is None or now - last <= s.deadtime:
            return []
        if s.phase not in (Phase.STABLE, Phase.STARTING) or not s.peers:
            return []
        gap_ms = int((now - last) * 1000)
        if not any(s.alive.get(p) for p in s.peers):
            return [Notice(Level.WARN, f"Resumed after {gap_ms} ms; no live peer, keeping ours.")]
        text = (
            f"This node was frozen for {gap_ms} ms (> deadtime): giving up all resources "
            "before rejoining."
        )
        # WARN: the node steps back by itself; the peer's CRIT lines (late heartbeat,
        # returning after partition) are Heartbeat's and say it happened.
        actions: list[Action] = [Notice(Level.WARN, text, fields(f"event=frozen gap_ms={gap_ms}"))]
        s.standby = None
        s.pending.clear()
        s.fencing.clear()
        s.ip_wait.clear()
        s.hold_local = s.hold_foreign = False
        s.peer_hold.clear()
        s.frozen_grace = now + s.deadtime
        actions += s.groups.want(s.groups.names(), False, "resumed after a freeze", now)
        s.enter(Step.FROZEN)

        def rejoin(n: float) -> list[Action]:
            if s.active_peer() is None:
                s.rejoin_pending = True  # join when the peer is heard again
                return []
            return self.lifecycle.join(n, "rejoining after a freeze")

        s.after(rejoin)
        return actions

    def grace_over(self, now: float) -> list[Action]:
        s = self.s
        if s.frozen_grace is None or now < s.frozen_grace:
            return []
        s.frozen_grace = None
        actions: list[Action] = []
        for node in sorted(s.dead_after_freeze):  # still not heard since
            actions += self.lifecycle.peer_dead(node, False, now, recheck=True)
        s.dead_after_freeze.clear()
        return actions
