"""Operator-visible cluster events (hooks, systemd STATUS=, metrics).  Pure.

``from_cluster_event`` names the membership engine's cluster events; ``GroupWatch``
turns successive resource status documents (the failover layer's ``status()``) into
group events.  Names are stable: they are the first argument of every hook.

=================  ========================  ===================================
event              argv after the event      when
=================  ========================  ===================================
node-up            NODE                      a peer is heard (first time / again)
node-dead          NODE                      a peer silent for deadtime (or initdead)
node-restarted     NODE                      a peer came back with a new generation
node-shutdown      NODE                      a peer announced a clean shutdown
local-active       NODE (this node)          this node went active
link-up/link-dead  NODE                      one heartbeat link to NODE (HA_LINK)
group-acquired     NODE (this node) GROUP    a resource group finished starting here
group-released     NODE (this node) GROUP    a resource group finished stopping here
group-failed       NODE (this node) GROUP    a start or stop failed
reload             NODE (this node)          a configuration reload was applied
resource-failed    NODE GROUP RESOURCE       a monitored resource failed its check
resource-restarted NODE GROUP RESOURCE       ... and was restarted in place
group-moving       NODE GROUP RESOURCE       past its limit: the group goes to the peer
group-moved        NODE GROUP RESOURCE       ... released here, the peer has it
monitor-gave-up    NODE GROUP RESOURCE       past its limit and no peer takes it
resource-recovered NODE GROUP RESOURCE       a given-up resource runs again
=================  ========================  ===================================

The resource-* / group-mov* / monitor-* events come from resource monitoring
(failover/monitor.py, opt-in in failover.cf); NODE is this node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ha_agents.failover.actions import MonitorReport
from ha_agents.membership import actions as ma
from ha_agents.membership.states import LinkStatus

EVENT_NAMES = (
    "node-up",
    "node-dead",
    "node-restarted",
    "node-shutdown",
    "local-active",
    "link-up",
    "link-dead",
    "group-acquired",
    "group-released",
    "group-failed",
    "reload",
    "resource-failed",
    "resource-restarted",
    "group-moving",
    "group-moved",
    "monitor-gave-up",
    "resource-recovered",
)


@dataclass(frozen=True, slots=True)
class OpsEvent:
    name: str
    node: str
    group: str = ""
    link: str = ""
    reason: str = ""
    resource: str = ""


def from_cluster_event(event: object, local: str) -> OpsEvent | None:
    """The operator event for one membership cluster event or resource monitoring report
    (None: not one we report)."""
    if isinstance(event, ma.NodeUp):
        return OpsEvent("node-up", event.node, reason=event.reason)
    if isinstance(event, ma.NodeDead):
        reason = "clean shutdown" if event.clean else event.reason
        return OpsEvent("node-dead", event.node, reason=reason)
    if isinstance(event, ma.NodeReturned):
        return OpsEvent(
            "node-restarted",
            event.node,
            reason=f"generation {event.old_generation} -> {event.new_generation}",
        )
    if isinstance(event, ma.PeerShutdown):
        return OpsEvent("node-shutdown", event.node, reason=event.reason)
    if isinstance(event, ma.LocalActive):
        return OpsEvent("local-active", local, reason=event.reason)
    if isinstance(event, ma.LinkStateChanged):
        name = "link-up" if event.new is LinkStatus.UP else "link-dead"
        return OpsEvent(name, event.node, link=event.link, reason=event.reason)
    if isinstance(event, MonitorReport):
        return OpsEvent(
            event.event, local, group=event.key, reason=event.reason, resource=event.resource
        )
    return None


GROUP_EVENTS = {"running": "group-acquired", "stopped": "group-released", "failed": "group-failed"}


def _groups(resources: Mapping[str, object] | None) -> Iterable[Mapping[str, object]]:
    groups = resources.get("groups") if resources else None
    if not isinstance(groups, list):
        return ()
    return [g for g in groups if isinstance(g, Mapping)]


class GroupWatch:
    """Remembers each group's local state; reports the changes as events."""

    def __init__(self, local: str) -> None:
        self.local = local
        self.states: dict[str, str] = {}

    def update(self, resources: Mapping[str, object] | None) -> list[OpsEvent]:
        out: list[OpsEvent] = []
        for group in _groups(resources):
            key, state = str(group.get("key", "")), str(group.get("state", ""))
            old = self.states.get(key)
            self.states[key] = state
            if old == state or (old is None and state == "stopped"):
                continue
            name = GROUP_EVENTS.get(state)
            if name is not None:
                out.append(
                    OpsEvent(name, self.local, group=key, reason=f"{old or 'new'} -> {state}")
                )
        return out


def status_line(doc: Mapping[str, object]) -> str:
    """One line for systemd's STATUS=: this node, each peer, the resources held here."""
    parts = [f"{doc.get('node')} {doc.get('status')}"]
    nodes = doc.get("nodes")
    peers = []
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, Mapping) and not node.get("local"):
            peers.append(f"{node.get('name')} {node.get('status')}")
    if peers:
        parts.append("peers: " + ", ".join(peers))
    resources = doc.get("resources")
    if isinstance(resources, Mapping) and resources.get("rscstatus"):
        parts.append(f"resources: {resources.get('rscstatus')}")
    return "; ".join(parts)
