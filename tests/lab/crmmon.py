"""``crm_mon --output-as=xml`` (Pacemaker 2.1) as a small typed view, and a text summary.

Pure: the caller runs crm_mon (tests/lab/pacemaker.py) and passes its stdout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResourceView:
    id: str
    agent: str
    role: str  # Started, Stopped, ...
    active: bool
    failed: bool
    nodes: tuple[str, ...]  # where it runs
    group: str | None


@dataclass(frozen=True, slots=True)
class Failure:
    op_key: str  # e.g. "web_monitor_10000"
    node: str
    exitstatus: str
    exitreason: str


@dataclass(frozen=True, slots=True)
class ClusterView:
    dc: str | None
    quorate: bool
    online: tuple[str, ...]
    offline: tuple[str, ...]
    unclean: tuple[str, ...]
    resources: dict[str, ResourceView]
    failures: tuple[Failure, ...]
    stonith_enabled: bool

    def where(self, rid: str) -> tuple[str, ...]:
        """Nodes where resource (or group) ``rid`` is started; () when it is not."""
        if rid in self.resources:
            res = self.resources[rid]
            return res.nodes if res.active and res.role == "Started" else ()
        members = [r for r in self.resources.values() if r.group == rid]
        if not members or not all(r.active and r.role == "Started" for r in members):
            return ()
        places = {r.nodes for r in members}
        return members[0].nodes if len(places) == 1 else ()

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Every group and where it runs (see :meth:`where`)."""
        ids = sorted({r.group for r in self.resources.values() if r.group})
        return {g: self.where(g) for g in ids}


def _resource(el: ET.Element, group: str | None) -> ResourceView:
    return ResourceView(
        id=el.get("id", ""),
        agent=el.get("resource_agent", ""),
        role=el.get("role", ""),
        active=el.get("active") == "true",
        failed=el.get("failed") == "true",
        nodes=tuple(n.get("name", "") for n in el.findall("node")),
        group=group,
    )


def parse_crm_mon(text: str) -> ClusterView:
    """Parse ``crm_mon -1 --output-as=xml``; raises ValueError on something else."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"crm_mon output is not XML: {exc}") from exc
    dc = root.find("summary/current_dc")
    nodes = root.findall("nodes/node")
    resources: dict[str, ResourceView] = {}
    for el in root.findall("resources/resource"):
        resources[el.get("id", "")] = _resource(el, None)
    for grp in root.findall("resources/group"):
        for el in grp.findall("resource"):
            resources[el.get("id", "")] = _resource(el, grp.get("id"))
    for clone in root.findall("resources/clone"):
        for el in clone.findall("resource"):
            rid = f"{el.get('id', '')}@{','.join(n.get('name', '') for n in el.findall('node'))}"
            resources[rid] = _resource(el, clone.get("id"))
    failures = tuple(
        Failure(*(f.get(k, "") for k in ("op_key", "node", "exitstatus", "exitreason")))
        for f in root.findall("failures/failure")
    )
    options = root.find("summary/cluster_options")
    return ClusterView(
        dc=dc.get("name") if dc is not None and dc.get("present") == "true" else None,
        quorate=dc is not None and dc.get("with_quorum") == "true",
        online=tuple(n.get("name", "") for n in nodes if n.get("online") == "true"),
        offline=tuple(n.get("name", "") for n in nodes if n.get("online") != "true"),
        unclean=tuple(n.get("name", "") for n in nodes if n.get("unclean") == "true"),
        resources=resources,
        failures=failures,
        stonith_enabled=options is not None and options.get("stonith-enabled") == "true",
    )
