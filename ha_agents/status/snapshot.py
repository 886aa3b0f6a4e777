"""The engine's snapshot as one JSON-able document (the control socket's answer and
``ha-agents status --json``).  Pure."""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.membership.snapshot import MembershipSnapshot

JsonDict = dict[str, object]

#: Engine counters that count events, not dropped datagrams.
NOT_DROPS = frozenset(
    {"own_echo", "rexmit_answered", "lost_packets", "rexmit_given_up", "source_changed"}
)


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
        "dropped": {k: v for k, v in snap.counters if k not in NOT_DROPS},
        "events": {k: v for k, v in snap.counters if k in NOT_DROPS},
        "parameters": dict(parameters),
        "resources": resources,
    }
