"""Render a :class:`PacemakerPlan` as a complete CIB (``crm_verify --xml-file`` clean).

The document validates against the ``pacemaker-3.0`` schema (Pacemaker 2.0 and later).
Load it on a new cluster with ``cibadmin --replace --xml-file cib.xml`` (whole CIB) or
push only the configuration section.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ha_agents.export.plan import (
    PING_ATTRIBUTE,
    PING_MULTIPLIER,
    PREFER_SCORE,
    Fence,
    PacemakerPlan,
)
from ha_agents.export.primitives import Op, Primitive

SCHEMA = "pacemaker-3.0"
FEATURE_SET = "3.0.14"


def _nvpairs(parent: ET.Element, tag: str, set_id: str, pairs: list[tuple[str, str]]) -> None:
    block = ET.SubElement(parent, tag, id=set_id)
    for name, value in pairs:
        ET.SubElement(block, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


def _ops(parent: ET.Element, rid: str, ops: tuple[Op, ...]) -> None:
    block = ET.SubElement(parent, "operations")
    for op in ops:
        ET.SubElement(
            block,
            "op",
            id=f"{rid}-{op.name}-interval-{op.interval}",
            name=op.name,
            interval=op.interval,
            timeout=op.timeout,
        )


def _primitive(parent: ET.Element, rid: str, prim: Primitive) -> None:
    attrs = {"id": rid, "class": prim.standard, "type": prim.type}
    if prim.provider:
        attrs["provider"] = prim.provider
    el = ET.SubElement(parent, "primitive", attrs)
    text = prim.source.text.replace("--", "- -")
    el.append(ET.Comment(f" haresources {prim.source.loc}: {text} "))
    if prim.params:
        _nvpairs(el, "instance_attributes", f"{rid}-instance_attributes", list(prim.params))
    _ops(el, rid, prim.ops)


def _fence(parent: ET.Element, fence: Fence) -> None:
    dev = fence.device
    el = ET.SubElement(parent, "primitive", {"id": fence.id, "class": "stonith", "type": dev.agent})
    el.append(ET.Comment(f" ha.cf {dev.loc or ''}: {dev.directive} "))
    _nvpairs(el, "instance_attributes", f"{fence.id}-instance_attributes", list(dev.params))
    _ops(el, fence.id, (fence.monitor,))


def _ping_rule(parent: ET.Element, lid: str, rsc: str) -> None:
    loc = ET.SubElement(parent, "rsc_location", id=lid, rsc=rsc)
    rule = ET.SubElement(
        loc, "rule", {"id": f"{lid}-rule", "score": "-INFINITY", "boolean-op": "or"}
    )
    ET.SubElement(
        rule,
        "expression",
        id=f"{lid}-rule-undefined",
        attribute=PING_ATTRIBUTE,
        operation="not_defined",
    )
    ET.SubElement(
        rule,
        "expression",
        id=f"{lid}-rule-zero",
        attribute=PING_ATTRIBUTE,
        operation="lte",
        value="0",
        type="number",
    )


def _resources(conf: ET.Element, plan: PacemakerPlan) -> None:
    resources = ET.SubElement(conf, "resources")
    for group in plan.groups:
        g = ET.SubElement(resources, "group", id=group.id)
        for rid, prim in group.primitives:
            _primitive(g, rid, prim)
    for fence in plan.fences:
        _fence(resources, fence)
    if plan.ping is not None:
        clone = ET.SubElement(resources, "clone", id=plan.ping.clone_id)
        pid = plan.ping.primitive_id
        prim_el = ET.SubElement(
            clone, "primitive", {"id": pid, "class": "ocf", "provider": "pacemaker", "type": "ping"}
        )
        params = [
            ("host_list", " ".join(plan.ping.hosts)),
            ("multiplier", str(PING_MULTIPLIER)),
            ("dampen", plan.ping.dampen),
            ("name", PING_ATTRIBUTE),
        ]
        _nvpairs(prim_el, "instance_attributes", f"{pid}-instance_attributes", params)
        _ops(prim_el, pid, (plan.ping.monitor,))


def _constraints(conf: ET.Element, plan: PacemakerPlan) -> None:
    constraints = ET.SubElement(conf, "constraints")
    for group in plan.groups:
        ET.SubElement(
            constraints,
            "rsc_location",
            id=group.location_id,
            rsc=group.id,
            node=group.home,
            score=str(PREFER_SCORE),
        )
        if plan.ping is not None:
            _ping_rule(constraints, group.ping_location_id, group.id)
    for fence in plan.fences:
        for node in fence.avoid:
            ET.SubElement(
                constraints,
                "rsc_location",
                id=fence.avoid_id(node),
                rsc=fence.id,
                node=node,
                score="-INFINITY",
            )


def render_cib(plan: PacemakerPlan) -> str:
    cib = ET.Element(
        "cib",
        {
            "crm_feature_set": FEATURE_SET,
            "validate-with": SCHEMA,
            "epoch": "1",
            "num_updates": "0",
            "admin_epoch": "0",
        },
    )
    conf = ET.SubElement(cib, "configuration")
    crm = ET.SubElement(conf, "crm_config")
    _nvpairs(
        crm,
        "cluster_property_set",
        "cib-bootstrap-options",
        [
            ("cluster-name", plan.cluster_name),
            ("stonith-enabled", "true" if plan.stonith_enabled else "false"),
        ],
    )
    nodes = ET.SubElement(conf, "nodes")
    for nodeid, name in enumerate(plan.nodes, start=1):
        ET.SubElement(nodes, "node", id=str(nodeid), uname=name)
    _resources(conf, plan)
    _constraints(conf, plan)
    defaults = ET.SubElement(conf, "rsc_defaults")
    _nvpairs(defaults, "meta_attributes", "rsc-options", [("resource-stickiness", plan.stickiness)])
    ET.SubElement(cib, "status")
    ET.indent(cib, space="  ")
    return ET.tostring(cib, encoding="unicode") + "\n"
