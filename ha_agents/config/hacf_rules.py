"""ha.cf rules Heartbeat 3.0.6 enforces after reading the file, plus advice: the table
HACF_RULES of rule functions, each ``(hacf, path, local_node) -> diagnostics`` (pure)."""

from __future__ import annotations

from collections.abc import Callable

from ha_agents.config.diagnostics import Diagnostic, error, warning
from ha_agents.config.lines import show
from ha_agents.config.model import AutoFailback, HaCf


def _line(hacf: HaCf, *names: str) -> int:
    for name in names:
        loc = hacf.locations.get(name)
        if loc is not None:
            return loc.line
    return 1


def check_hacf(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    """ha.cf rules Heartbeat enforces after reading the file, plus advice."""
    out: list[Diagnostic] = []
    for rule in HACF_RULES:
        out += rule(hacf, path, local_node)
    return out


def _members(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if not hacf.media:
        out.append(
            error(path, 1, "HA140", "no heartbeat media defined (bcast, mcast, ucast or serial)")
        )
    if not hacf.nodes:
        out.append(error(path, 1, "HA141", "no nodes defined (add 'node NAME' for every member)"))
    if local_node.lower() not in (n.lower() for n in hacf.nodes):
        out.append(
            error(
                path,
                _line(hacf, "node"),
                "HA142",
                f"current node [{show(local_node)}] not in configuration (node names must match "
                "'uname -n' of each member, or /etc/ha.d/nodeinfo; to check another node's "
                "files here, give --node NAME, and --remote)",
            )
        )
    return out


def _timers(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    ka, dt = hacf.keepalive_ms, hacf.deadtime_ms
    if dt <= 2 * ka:
        out.append(
            error(
                path,
                _line(hacf, "deadtime", "keepalive"),
                "HA143",
                f"dead time [{dt}ms] is too small compared to keepalive [{ka}ms]: it must be "
                "more than twice the keepalive",
            )
        )
    elif dt < 4 * ka:
        out.append(
            warning(
                path,
                _line(hacf, "deadtime", "keepalive"),
                "HA171",
                f"deadtime [{dt}ms] is less than 4 keepalives [{ka}ms]: a few lost packets "
                "declare a live peer dead",
            )
        )
    if hacf.deadping_ms is not None and hacf.deadping_ms <= 2 * ka:
        out.append(
            error(
                path,
                _line(hacf, "deadping"),
                "HA145",
                f"ping dead time [{hacf.deadping_ms}ms] is too small compared to keepalive "
                f"[{ka}ms]: it must be more than twice the keepalive",
            )
        )
    if hacf.initdead_ms is not None and hacf.initdead_ms < dt:
        out.append(
            error(
                path,
                _line(hacf, "initdead", "deadtime"),
                "HA144",
                f"initial dead time [{hacf.initdead_ms}ms] is smaller than deadtime [{dt}ms]",
            )
        )
    elif hacf.effective_initdead_ms < 2 * dt and dt > 2 * ka:
        out.append(
            warning(
                path,
                _line(hacf, "initdead", "deadtime"),
                "HA173",
                f"initdead [{hacf.effective_initdead_ms}ms] is less than twice deadtime: at "
                "boot, a peer whose network is slow to come up is declared dead",
            )
        )
    return out


def _warntime(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    ka, dt = hacf.keepalive_ms, hacf.deadtime_ms
    wt = hacf.warntime_ms
    if wt is not None:
        if wt >= dt:
            out.append(
                warning(
                    path,
                    _line(hacf, "warntime"),
                    "HA172",
                    f"warntime [{wt}ms] is not less than deadtime [{dt}ms]: no warning comes "
                    "before a node is declared dead",
                )
            )
        elif wt <= ka:
            out.append(
                warning(
                    path,
                    _line(hacf, "warntime"),
                    "HA172",
                    f"warntime [{wt}ms] is not more than keepalive [{ka}ms]: every heartbeat "
                    "is logged as late",
                )
            )
    return out


def _v2_directives(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if hacf.pacemaker:
        out.append(
            error(
                path,
                _line(hacf, "crm", "pacemaker"),
                "HA114",
                "crm/pacemaker enabled: this is a v2 (Pacemaker) setup; Heartbeat fails to "
                "start the cib here and haresources is ignored (use 'crm no' or remove it)",
            )
        )
    if hacf.autojoin in ("other", "any"):
        out.append(
            error(
                path,
                _line(hacf, "autojoin"),
                "HA116",
                f"autojoin {hacf.autojoin} conflicts with haresources (R1 style) resource "
                "management: unset autojoin",
            )
        )
    return out


def _advice(hacf: HaCf, path: str, local_node: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if hacf.media and len({m.dev for m in hacf.media}) == 1:
        m = hacf.media[0]
        out.append(
            warning(
                m.loc.path,
                m.loc.line,
                "HA174",
                f"all heartbeats use one link ({show(m.dev)}): one failed cable or switch "
                "splits the cluster; add a second, independent medium",
            )
        )
    if hacf.auto_failback is AutoFailback.LEGACY and not (
        {"auto_failback", "nice_failback"} & hacf.locations.keys()
    ):
        out.append(
            warning(
                path,
                1,
                "HA175",
                "auto_failback not set: Heartbeat uses the deprecated 'legacy' mode; "
                "write 'auto_failback on' or 'auto_failback off'",
            )
        )
    if not (hacf.logfile or hacf.debugfile or hacf.logfacility or hacf.use_logd):
        out.append(
            warning(
                path,
                1,
                "HA176",
                "no logfile, debugfile or logfacility: Heartbeat's messages go nowhere",
            )
        )
    return out


HACF_RULES: tuple[Callable[[HaCf, str, str], list[Diagnostic]], ...] = (
    _members,
    _timers,
    _warntime,
    _v2_directives,
    _advice,
)
