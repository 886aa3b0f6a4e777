"""Render a :class:`~ha_agents.export.simulator.Prediction` as text or a JSON document."""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.config.model import ClusterConfig, MediumKind
from ha_agents.export.simulator import Fault, Prediction

FAULT_TEXT = {
    Fault.KILL: "the node crashes (power loss): daemon and services gone",
    Fault.HANG: "the daemon freezes (SIGSTOP); its services keep running",
    Fault.LINKDOWN: "every link of the node is cut; clients cannot reach it either",
    Fault.STOP: "clean shutdown of the daemon",
    Fault.STANDBY: "ha-agents standby all",
    Fault.SERVICE_KILL: "the last resource of its first group dies (e.g. SIGKILL of the server)",
    Fault.SERVICE_HANG: "the last resource of its first group hangs (SIGSTOP of the server)",
}
SERVICE_FAULTS = (Fault.SERVICE_KILL, Fault.SERVICE_HANG)


SERIAL = MediumKind.SERIAL


def _s(ms: int) -> str:
    return f"{ms / 1000:g} s"


def render_text(
    cfg: ClusterConfig, p: Prediction, duration_s: float, named: Mapping[str, float] | None = None
) -> str:
    h = cfg.hacf
    out = [
        f"cluster {h.cluster} ({', '.join(h.nodes)}): keepalive {_s(h.keepalive_ms)}, "
        f"deadtime {_s(h.deadtime_ms)}, warntime {_s(h.effective_warntime_ms)}, "
        f"initdead {_s(h.effective_initdead_ms)}, auto_failback {h.auto_failback.value}",
        f"fault: {p.fault.value} on {p.node} — {_fault_text(cfg, p)}; injected half a keepalive "
        f"after its last heartbeat; every resource script takes {duration_s:g} s"
        + "".join(f", {k} {v:g} s" for k, v in sorted((named or {}).items())),
    ]
    if not p.settled:
        out.append("warning: the cluster never became stable before the fault (see the timeline)")
    width = max((len(n) for n in h.nodes), default=4)
    out += ["", f"{'time':>8}  {'node':<{width}}  event"]
    out += [f"{e.t:+8.3f}  {e.node:<{width}}  {e.text}" for e in p.timeline]
    out.append("")
    out.append(_detection(cfg, p))
    if not p.outages:
        out.append("predicted client-visible outage: none")
    for o in p.outages:
        if o.up_at is None:
            out.append(
                f"predicted client-visible outage: {o.key}: down at {o.down_at:+.3f} s and not "
                "served again within the simulated time"
            )
        else:
            out.append(
                f"predicted client-visible outage: {o.key}: {o.duration:.3f} s "
                f"(down {o.down_at:+.3f} s, serving again on {o.up_on} at {o.up_at:+.3f} s)"
            )
    if p.fault in SERVICE_FAULTS and any(o.up_at is None for o in p.outages):
        out.append(
            "note: Heartbeat never checks a running resource; add a failover.cf 'monitor' line "
            "for it (docs/failover.md, Resource monitoring) to have it restarted or moved"
        )
    for key, node, t in p.takeovers:
        out.append(f"takeover: {key} running on {node} at {t:+.3f} s")
    for key in p.split_brain:
        out.append(f"split brain: {key} is served by two nodes at once (no fencing)")
    return "\n".join(out) + "\n"


def _fault_text(cfg: ClusterConfig, p: Prediction) -> str:
    links = list(dict.fromkeys(m.link_name for m in cfg.hacf.media if m.kind is not SERIAL))
    if p.fault is not Fault.LINKDOWN or p.link is None:
        return FAULT_TEXT[p.fault]
    if links == [p.link]:
        return f"its only link {p.link} is cut; clients cannot reach it either"
    reach = "cannot reach it" if links[0] == p.link else f"still reach it over {links[0]}"
    return f"its link {p.link} is cut, its other links stay up; clients {reach}"


def _detection(cfg: ClusterConfig, p: Prediction) -> str:
    """When the peers declared the node dead, and the range deadtime allows (a silent
    failure only: a stopping node tells its peers, who take over at once)."""
    if p.detected_at is None:
        if p.fault in (Fault.STOP, Fault.STANDBY, *SERVICE_FAULTS):
            return f"detection: {p.node} was not declared dead (it keeps running)"
        return f"detection: no node declared {p.node} dead within the simulated time"
    if p.fault is Fault.STOP:
        return (
            f"detection: {p.node} told its peers it stopped (shutdone) once its groups were "
            f"released; they took over at once and declared it dead {p.detected_at:.3f} s "
            "after the fault (deadtime after its last heartbeat)"
        )
    ka, dt = cfg.hacf.keepalive_ms / 1000, cfg.hacf.deadtime_ms / 1000
    return (
        f"detection: {p.node} declared dead {p.detected_at:.3f} s after the fault "
        f"(between {max(0.0, dt - ka):.3f} and {dt:.3f} s, depending on when its last "
        "heartbeat went out)"
    )


def as_dict(p: Prediction) -> dict[str, object]:
    return {
        "fault": p.fault.value,
        "node": p.node,
        "link": p.link,
        "settled": p.settled,
        "detected_after_s": p.detected_at,
        "outages": [
            {
                "group": o.key,
                "down_at_s": o.down_at,
                "up_at_s": o.up_at,
                "up_on": o.up_on,
                "duration_s": o.duration,
            }
            for o in p.outages
        ],
        "split_brain": list(p.split_brain),
        "takeovers": [{"group": k, "node": n, "at_s": t} for k, n, t in p.takeovers],
        "timeline": [{"t": round(e.t, 6), "node": e.node, "event": e.text} for e in p.timeline],
    }
