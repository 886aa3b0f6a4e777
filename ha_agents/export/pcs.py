"""Render a :class:`PacemakerPlan` as a shell script of pcs commands.

The script edits an offline copy of the CIB (``pcs -f``) and pushes it once at the end,
so a failing command changes nothing on the running cluster (``set -e``).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from ha_agents.export.plan import PING_ATTRIBUTE, PING_MULTIPLIER, PREFER_SCORE, PacemakerPlan
from ha_agents.export.primitives import Op


def _ops(ops: tuple[Op, ...]) -> list[str]:
    words: list[str] = []
    for op in ops:
        words += ["op", op.name, f"interval={op.interval}", f"timeout={op.timeout}"]
    return words


def _cmd(words: Iterable[str]) -> str:
    return 'pcs -f "$CIB" ' + " ".join(shlex.quote(w) for w in words)


def _fences(plan: PacemakerPlan) -> list[str]:
    lines = []
    for fence in plan.fences:
        lines.append(f"# ha.cf {fence.device.loc or ''}: {fence.device.directive}")
        words = ["stonith", "create", fence.id, fence.device.agent]
        words += [f"{n}={v}" for n, v in fence.device.params] + _ops((fence.monitor,))
        lines.append(_cmd(words))
        lines += [_cmd(["constraint", "location", fence.id, "avoids", n]) for n in fence.avoid]
    return lines


def render_pcs(plan: PacemakerPlan, manual: Iterable[str] = ()) -> str:
    lines = [
        "#!/bin/sh",
        f"# pcs commands for cluster {plan.cluster_name}, exported by ha-agents.",
        "# Run on one node once corosync and pacemaker run on every node with the exported",
        "# corosync.conf (systemctl start corosync pacemaker).  Do not run 'pcs cluster",
        "# setup': it writes a new corosync.conf over the exported one.",
        *(f"# MANUAL: {m}" for m in manual),
        "set -eu",
        'CIB="$(mktemp)"',
        "trap 'rm -f \"$CIB\"' EXIT",
        'pcs cluster cib "$CIB"',
        _cmd(["property", "set", f"stonith-enabled={str(plan.stonith_enabled).lower()}"]),
        _cmd(["resource", "defaults", "update", f"resource-stickiness={plan.stickiness}"]),
    ]
    for group in plan.groups:
        for rid, prim in group.primitives:
            lines.append(f"# haresources {prim.source.loc}: {prim.source.text}")
            words = ["resource", "create", rid, prim.agent]
            words += [f"{n}={v}" for n, v in prim.params]
            words += _ops(prim.ops)
            words += ["--group", group.id]
            lines.append(_cmd(words))
        lines.append(
            _cmd(["constraint", "location", group.id, "prefers", f"{group.home}={PREFER_SCORE}"])
        )
    lines += _fences(plan)
    if plan.ping is not None:
        words = ["resource", "create", plan.ping.primitive_id, "ocf:pacemaker:ping"]
        words += [
            f"host_list={' '.join(plan.ping.hosts)}",
            f"multiplier={PING_MULTIPLIER}",
            f"dampen={plan.ping.dampen}",
            f"name={PING_ATTRIBUTE}",
        ]
        words += _ops((plan.ping.monitor,))
        words += ["clone"]  # pcs names it <id>-clone, i.e. plan.ping.clone_id
        lines.append(_cmd(words))
        for group in plan.groups:
            lines.append(
                _cmd(
                    [
                        "constraint",
                        "location",
                        group.id,
                        "rule",
                        f"constraint-id={group.ping_location_id}",
                        "score=-INFINITY",
                        "not_defined",
                        PING_ATTRIBUTE,
                        "or",
                        PING_ATTRIBUTE,
                        "lte",
                        "0",
                    ]
                )
            )
    lines.append('pcs cluster cib-push "$CIB" --config')
    return "\n".join(lines) + "\n"
