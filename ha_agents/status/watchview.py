"""The ``ha-agents watch`` screen: a status document as plain text.  Pure."""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.status import monitors

CLEAR = "\033[H\033[2J"


def _dicts(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _age(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.1f}s"
    return "-"


def render(doc: Mapping[str, object] | None, stamp: str) -> str:
    if doc is None:
        return f"ha-agents watch  {stamp}\n\nthe daemon is not running\n"
    lines = [
        f"ha-agents watch  {stamp}",
        f"node {doc.get('node')}: {doc.get('status')}  generation {doc.get('generation')}  "
        f"pid {doc.get('pid')}",
        "",
        f"{'NODE':<16} {'STATUS':<8} {'HEARD':>8}  LINKS",
    ]
    for node in _dicts(doc.get("nodes")):
        links = "  ".join(
            f"{lk.get('name')}:{lk.get('status')}({_age(lk.get('last_heard_s'))})"
            for lk in _dicts(node.get("links"))
        )
        heard = "local" if node.get("local") else _age(node.get("last_heard_s"))
        lines.append(f"{node.get('name')!s:<16} {node.get('status')!s:<8} {heard:>8}  {links}")
    resources = doc.get("resources")
    if isinstance(resources, Mapping):
        lines += ["", f"resources here: {resources.get('rscstatus')}"]
        groups = _dicts(resources.get("groups"))
        if groups:
            lines.append(f"{'GROUP':<32} {'HOME':<10} {'STATE':<9} {'OWNER':<10} SINCE")
        for g in groups:
            owner = g.get("owner") or "-"
            lines.append(
                f"{g.get('key')!s:<32} {g.get('home')!s:<10} {g.get('state')!s:<9} "
                f"{owner!s:<10} {_age(g.get('last_transition_s'))}"
            )
        lines += monitors.lines(resources, indent="")
    counters = doc.get("counters")
    if isinstance(counters, Mapping):
        lines += [
            "",
            "packets: "
            + ", ".join(f"{k} {counters.get(k, 0)}" for k in ("dropped", "forged", "replayed")),
        ]
    return "\n".join(lines) + "\n"
