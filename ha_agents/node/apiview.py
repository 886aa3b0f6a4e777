"""The client API's view of the cluster, built from the membership snapshot and the
configuration (pure): node order, types, statuses, links, uuids, parameters."""

from __future__ import annotations

from ha_agents.api.facts import ClusterFacts, NodeFact
from ha_agents.config.model import ClusterConfig
from ha_agents.membership.snapshot import MembershipSnapshot

#: syslog facility numbers, for the signon reply's ``logfacility`` (-1: none).
FACILITIES = {
    "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
    "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
    **{f"local{i}": 16 + i for i in range(8)},
}  # fmt: skip


def hbversion(version: str) -> str:
    """What ``hbversion`` says: Heartbeat's release first (scripts parse it)."""
    return f"3.0.6 (ha_agents {version})"


def cluster_facts(
    snap: MembershipSnapshot, config: ClusterConfig, resources: str | None, version: str
) -> ClusterFacts:
    views = {n.name: n for n in snap.nodes}
    order = snap.order or tuple(views)
    nodes: list[NodeFact] = []
    for name in order:
        view = views.get(name)
        if view is None:
            continue
        uuid = bytes.fromhex(view.uuid) if view.uuid else None
        links = tuple((lk.name, lk.status.value) for lk in view.links)
        nodes.append(NodeFact(view.name, view.type, view.status, links, uuid))
    hacf = config.hacf
    params = dict(hacf.parameters)
    params["hbversion"] = hbversion(version)
    facility = FACILITIES.get((hacf.logfacility or "").lower(), -1)
    return ClusterFacts(
        local=snap.local,
        nodes=tuple(nodes),
        parameters=params,
        resources=resources,
        deadtime_ms=hacf.deadtime_ms,
        keepalive_ms=hacf.keepalive_ms,
        logfacility=facility,
        hbversion=params["hbversion"],
    )
