"""Waiting out a start-up: for its first 5 s a node announces deadtime + 2 s in its
heartbeats (dt=), as Heartbeat does, and its peers honour it.  A fault injected before
every node announces its plain deadtime is detected 2 s late; tests wait for this
condition instead of sleeping a fixed 5 s."""

from __future__ import annotations

from collections.abc import Mapping


def steady(doc: Mapping[str, object] | None, deadtime_ms: int) -> bool:
    """Every live node of ``doc`` (``ha-agents status --json``: this node, and each peer
    as heard) announces exactly ``deadtime_ms``."""
    nodes = doc.get("nodes") if doc else None
    listed = nodes if isinstance(nodes, list) else []
    live = [
        n
        for n in listed
        if isinstance(n, dict) and n.get("type", "normal") == "normal" and n.get("status") != "dead"
    ]
    return len(live) > 1 and all(n.get("deadtime_ms") == deadtime_ms for n in live)
