"""The engine's snapshot as one JSON-able document (the control socket's answer and
``ha-agents status --json``).  Pure."""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.membership.snapshot import MembershipSnapshot
from ha_agents.status.counters import split, summarize

JsonDict = dict[str, object]


def _age(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def snapshot_document(
    snap: MembershipSnapshot,
    *,
    parameters: Mapping[str, str],
    version: str,
    pid: int,
    resources: JsonDict | None = None,
) -> JsonDict:
    dropped, events = split(snap.counters)
    nodes: list[JsonDict] = []
    for node in snap.nodes:
        nodes.append(
            {
                "name": node.name,
                "type": node.type,
                "local": node.state == "local",
                "status": node.status,
                "state": node.state,
                "last_heard_s": _age(node.age_s),
                "generation": node.generation,
                "uuid": node.uuid,
                "deadtime_ms": node.deadtime_ms,
                "links": [
                    {
                        "name": link.name,
                        "status": link.status.value,
                        "last_heard_s": _age(link.age_s),
                        "source": link.source,
                    }
                    for link in node.links
                ],
            }
        )
    return {
        "version": version,
        "pid": pid,
        "node": snap.local,
        "status": snap.status,
        "generation": snap.generation,
        "uuid": snap.uuid,
        "seq": snap.seq,
        "nodes": nodes,
        "order": list(snap.order),
        "dropped": dropped,
        "events": events,
        "counters": summarize(dropped),
        "parameters": dict(parameters),
        "resources": resources,
    }
