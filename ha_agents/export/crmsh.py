"""Render a :class:`PacemakerPlan` as a crmsh script (``crm configure load update FILE``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ha_agents.export.plan import PING_ATTRIBUTE, PING_MULTIPLIER, PREFER_SCORE, PacemakerPlan
from ha_agents.export.primitives import Op, Primitive

_BARE = re.compile(r"[A-Za-z0-9_.:/@+,%-]+\Z")


def quote(value: str) -> str:
    """A crmsh value: bare when safe, else double-quoted with ``\\`` and ``"`` escaped."""
    if _BARE.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _params(pairs: Iterable[tuple[str, str]]) -> str:
    return " ".join(f"{n}={quote(v)}" for n, v in pairs)


def _ops(ops: tuple[Op, ...]) -> list[str]:
    return [f"op {op.name} interval={op.interval} timeout={op.timeout}" for op in ops]


def _primitive(rid: str, prim: Primitive) -> list[str]:
    parts = [f"primitive {rid} {prim.agent}"]
    if prim.params:
        parts.append(f"params {_params(prim.params)}")
    parts += _ops(prim.ops)
    return [f"# haresources {prim.source.loc}: {prim.source.text}", " \\\n\t".join(parts)]


def render_crmsh(plan: PacemakerPlan, manual: Iterable[str] = ()) -> str:
    lines = [
        f"# crmsh configuration for cluster {plan.cluster_name}, exported by ha-agents",
        "# load with: crm configure load update THIS_FILE",
    ]
    lines += [f"# MANUAL: {m}" for m in manual]
    lines.append(
        "property cib-bootstrap-options: "
        + _params(
            [
                ("cluster-name", plan.cluster_name),
                ("stonith-enabled", "true" if plan.stonith_enabled else "false"),
            ]
        )
    )
    lines.append(f"rsc_defaults rsc-options: resource-stickiness={plan.stickiness}")
    for group in plan.groups:
        for rid, prim in group.primitives:
            lines += _primitive(rid, prim)
        lines.append(f"group {group.id} " + " ".join(rid for rid, _ in group.primitives))
        lines.append(f"location {group.location_id} {group.id} {PREFER_SCORE}: {group.home}")
    for fence in plan.fences:
        parts = [f"primitive {fence.id} stonith:{fence.device.agent}"]
        parts += [f"params {_params(fence.device.params)}", *_ops((fence.monitor,))]
        lines += [f"# ha.cf {fence.device.loc or ''}: {fence.device.directive}"]
        lines.append(" \\\n\t".join(parts))
        lines += [f"location {fence.avoid_id(n)} {fence.id} -inf: {n}" for n in fence.avoid]
    if plan.ping is not None:
        params = _params(
            [
                ("host_list", " ".join(plan.ping.hosts)),
                ("multiplier", str(PING_MULTIPLIER)),
                ("dampen", plan.ping.dampen),
                ("name", PING_ATTRIBUTE),
            ]
        )
        parts = [f"primitive {plan.ping.primitive_id} ocf:pacemaker:ping", f"params {params}"]
        parts += _ops((plan.ping.monitor,))
        lines.append(" \\\n\t".join(parts))
        lines.append(f"clone {plan.ping.clone_id} {plan.ping.primitive_id}")
        for group in plan.groups:
            lines.append(
                f"location {group.ping_location_id} {group.id} rule -inf: "
                f"not_defined {PING_ATTRIBUTE} or {PING_ATTRIBUTE} lte 0"
            )
    return "\n".join(lines) + "\n"
