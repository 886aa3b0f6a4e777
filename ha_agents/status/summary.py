"""Plain ``ha-agents status``: the status document as a few lines of text.  Pure.

This node, every node with its links, who holds which resource group (as far as this
node knows, from the peers' announcements) with its monitored resources
(status/monitors.py), and the packet counters of
status/counters.py (the same totals as ``watch`` and ``status --json``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.status import monitors

JsonDict = Mapping[str, object]


def _dicts(value: object) -> list[JsonDict]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _nodes(doc: JsonDict) -> list[str]:
    lines: list[str] = []
    for node in _dicts(doc.get("nodes")):
        age = node.get("last_heard_s")
        shown = isinstance(age, float | int) and not node.get("local")
        heard = f", heard {age:.1f}s ago" if shown else ""
        lines.append(f"  {node.get('name')}: {node.get('status')}{heard}")
        lines.extend(
            f"    {lk.get('name')}: {lk.get('status')}" for lk in _dicts(node.get("links"))
        )
    return lines


def _groups(doc: JsonDict) -> list[str]:
    resources = doc.get("resources")
    if not isinstance(resources, Mapping):
        return []
    lines = [f"resources: rscstatus {resources.get('rscstatus')}"]
    for g in _dicts(resources.get("groups")):
        owner = g.get("owner")
        where = f"held by {owner}" if owner else "held by no node"
        lines.append(f"  {g.get('key')} (home {g.get('home')}): {where}, {g.get('state')} here")
    return lines + monitors.lines(resources)


def _packets(doc: JsonDict) -> list[str]:
    counters = doc.get("counters")
    if not isinstance(counters, Mapping):
        return []
    totals = ", ".join(f"{k} {counters.get(k, 0)}" for k in ("dropped", "forged", "replayed"))
    dropped = doc.get("dropped")
    reasons = ""
    if isinstance(dropped, Mapping) and dropped:
        reasons = " (" + ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) + ")"
    return [f"packets: {totals}{reasons}"]


def summary(doc: JsonDict) -> str:
    head = f"node {doc.get('node')}: {doc.get('status')} (generation {doc.get('generation')})"
    return "\n".join([head, *_nodes(doc), *_groups(doc), *_packets(doc)]) + "\n"
