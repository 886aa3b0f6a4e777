"""Every log line membership emits, in Heartbeat 3.0.6's wording (docs/heartbeat/protocol.md,
docs/heartbeat/tools.md), with a stable ``event=... node=...`` suffix.  Pure."""

from __future__ import annotations

from ha_agents.notice import Level, Notice


def _n(level: Level, text: str, event: str, node: str | None = None, **kw: str) -> Notice:
    fields = [("event", event)]
    if node is not None:
        fields.append(("node", node))
    fields.extend(kw.items())
    return Notice(level, text, tuple(fields))


def local_status(status: str) -> Notice:
    return Notice(Level.INFO, f"Local status now set to: '{status}'", (("status", status),))


def comm_up() -> Notice:
    return Notice(Level.INFO, "Comm_now_up(): updating status to active")


def link_up(node: str, link: str) -> Notice:
    return _n(Level.INFO, f"Link {node}:{link} up.", "link_up", node, link=link)


def link_dead(node: str, link: str) -> Notice:
    return _n(Level.INFO, f"Link {node}:{link} dead.", "link_dead", node, link=link)


def peer_dead(node: str) -> Notice:
    return _n(Level.WARN, f"node {node}: is dead", "peer_dead", node)


def peer_status(node: str, status: str) -> Notice:
    return _n(Level.INFO, f"Status update for node {node}: status {status}", "peer_status", node)


def peer_restart(node: str) -> Notice:
    return _n(Level.INFO, f"Heartbeat restart on node {node}", "peer_restart", node)


def returning_after_partition(node: str) -> list[Notice]:
    """Heartbeat's CRIT and its WARN hint (its info lines point at linux-ha.org pages
    that are gone; docs/failover.md explains split brain instead)."""
    text = f"Cluster node {node} returning after partition."
    hint = "Deadtime value may be too small."
    return [
        _n(Level.CRIT, text, "peer_returned", node),
        _n(Level.WARN, hint, "peer_returned", node),
    ]


def shutdown_notice(node: str) -> Notice:
    return _n(Level.INFO, f"Received shutdown notice from '{node}'.", "peer_shutdown", node)


def late_heartbeat(node: str, ms: int, over_deadtime: bool) -> Notice:
    if over_deadtime:
        text = f"Late heartbeat: Node {node}: interval {ms} ms (> deadtime)"
        return _n(Level.CRIT, text, "late", node)
    return _n(Level.WARN, f"Late heartbeat: Node {node}: interval {ms} ms", "late", node)


def lost_packets(node: str, count: int, last: int, seq: int) -> Notice:
    text = f"{count} lost packet(s) for [{node}] [{last}:{seq}]"
    return _n(Level.WARN, text, "lost", node)


def no_pkts_missing(node: str) -> Notice:
    return Notice(Level.INFO, f"No pkts missing from {node}!")


def rexmit_given_up(node: str, seq: int) -> Notice:
    text = f"Gave up on lost packet {seq} from {node}"
    return _n(Level.WARN, text, "rexmit_given_up", node)


def source_changed(node: str, link: str, old: str, new: str) -> Notice:
    text = f"Source address of node {node} on link {link} changed from {old} to {new}"
    return _n(Level.WARN, text, "source_changed", node, link=link)


def dropped(level: Level, text: str, reason: str) -> Notice:
    return _n(level, text, "drop", reason=reason)
