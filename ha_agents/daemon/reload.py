"""EDGE: a configuration reload (SIGHUP, ``ha-agents reload``): read and check the files
again and decide what may change (config/reloadplan.py).  An invalid configuration, or a
change that needs a restart of the cluster (nodes, the node's name, group homes), changes
nothing and is logged with file:line; the daemon applies an accepted plan (daemon/loop.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.config.diagnostics import Severity, has_errors, render_text
from ha_agents.config.model import ClusterConfig
from ha_agents.config.reloadplan import ReloadPlan, plan_reload
from ha_agents.daemon.configproc import load
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.media import missing_interface
from ha_agents.notice import Level

JsonDict = dict[str, object]


@dataclass(frozen=True, slots=True)
class Accepted:
    config: ClusterConfig
    plan: ReloadPlan
    warnings: int
    diagnostics: str


def prepare(
    config_dir: str, node: str | None, current: ClusterConfig, log: HbLog
) -> Accepted | JsonDict:
    """The new configuration and its plan, or the refusal to answer (nothing changed)."""
    new, diags = load(config_dir, node)
    text = render_text(diags)
    for diag in diags:
        level = Level.ERROR if diag.severity is Severity.ERROR else Level.WARN
        for line in render_text([diag]).splitlines():
            log.log(level, f"reload: {line}")
    if new is None or has_errors(diags):
        log.log(Level.ERROR, "Configuration reload failed; running configuration unchanged")
        return {
            "ok": False,
            "error": "configuration has errors; nothing changed",
            "diagnostics": text,
        }
    plan = plan_reload(current, new)
    if not plan.ok:
        for reason in plan.refused:
            log.log(Level.ERROR, f"reload refused: {reason}")
        log.log(Level.ERROR, "Configuration reload refused; running configuration unchanged")
        return {"ok": False, "error": "; ".join(plan.refused), "diagnostics": text}
    problem = missing_interface(new) if plan.media else None
    if problem is not None:
        log.log(Level.ERROR, f"reload: {problem}; running configuration unchanged")
        return {"ok": False, "error": problem, "diagnostics": text}
    warnings = sum(1 for d in diags if d.severity is Severity.WARNING)
    return Accepted(new, plan, warnings, text)


def report(accepted: Accepted, changes: list[str], deferred: list[str], log: HbLog) -> JsonDict:
    """Log what the reload changed and what waits for a restart; the control reply."""
    for change in changes:
        log.info(f"reload: {change}")
    for item in deferred:
        log.log(Level.WARN, f"reload: {item}: takes effect when ha-agents restarts")
    if not changes and not deferred:
        log.info("reload: no change")
    log.info("Configuration reloaded")
    return {
        "ok": True,
        "changes": changes,
        "deferred": deferred,
        "warnings": accepted.warnings,
        "diagnostics": accepted.diagnostics,
    }
