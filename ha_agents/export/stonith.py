"""Heartbeat's legacy STONITH directives -> Pacemaker fence devices (Debian fence-agents).

``stonith_host HOSTFROM TYPE PARAMS...`` and ``stonith TYPE FILE`` (the first line of FILE
that is not a comment holds PARAMS) name a cluster-glue STONITH plugin.  PARAMS are the
plugin's parameters in the order ``stonith -t TYPE -n`` prints them, one word each, the
last one taking the rest of the line; every one of them is required (cluster-glue's
"stonith1 compatibility" parsing, which Heartbeat uses).

Mapped where a fence agent does the same job with the same inputs (the table TYPES):
IPMI (``external/ipmi``, ``ipmilan``) -> fence_ipmilan, APC MasterSwitch (``apcmaster``,
``apcmastersnmp``) -> fence_apc / fence_apc_snmp, WTI NPS (``wti_nps``) -> fence_wti, HP iLO
(``external/riloe``) -> fence_ilo.  The plugin parameter naming the node(s) a device
powers off becomes ``pcmk_host_list``; an outlet-based switch (APC, WTI) is asked for its
list (Pacemaker's default).  ``stonith_host NODE ...`` (not ``*``) keeps the device off
every other node (-INFINITY), as Heartbeat used it only on NODE.

Everything else (``null``, ``ssh``, ``external/ssh``, ``meatware``, ``suicide``, serial
switches, ...) is a warning with the manual step; fencing then stays disabled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import ClusterConfig, Location
from ha_agents.export import notes

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FenceDevice:
    id_hint: str
    agent: str  # a fence-agents program, e.g. "fence_ipmilan"
    params: Params
    only_on: str | None  # stonith_host's node; None for '*' or a 'stonith' line
    directive: str  # "stonith_host" or "stonith"
    loc: Location | None


@dataclass(frozen=True, slots=True)
class GlueType:
    names: tuple[str, ...]  # the plugin's parameters, in order
    agent: str
    rename: tuple[tuple[str, str], ...]  # plugin parameter -> fence agent parameter
    hosts_from: str | None = None  # plugin parameter naming the fenced node(s)
    extra: Callable[[Mapping[str, str]], Params] | None = None


RILOE_NAMES = (
    "hostlist",
    "ilo_hostname",
    "ilo_user",
    "ilo_password",
    "ilo_can_reset",
    "ilo_protocol",
    "ilo_powerdown_method",
    "ilo_proxyhost",
    "ilo_proxyport",
)


def _lanplus(values: Mapping[str, str]) -> Params:
    return (("lanplus", "1"),) if values.get("interface") == "lanplus" else ()


TYPES: dict[str, GlueType] = {
    "external/ipmi": GlueType(
        ("hostname", "ipaddr", "userid", "passwd", "interface"),
        "fence_ipmilan",
        (("ipaddr", "ip"), ("userid", "username"), ("passwd", "password")),
        "hostname",
        _lanplus,
    ),
    "ipmilan": GlueType(
        ("hostname", "ipaddr", "port", "auth", "priv", "login", "password", "reset_method"),
        "fence_ipmilan",
        (("ipaddr", "ip"), ("port", "ipport"), ("login", "username"), ("password", "password")),
        "hostname",
    ),
    "apcmaster": GlueType(
        ("ipaddr", "login", "password"),
        "fence_apc",
        (("ipaddr", "ip"), ("login", "username"), ("password", "password")),
    ),
    "apcmastersnmp": GlueType(
        ("ipaddr", "port", "community"),
        "fence_apc_snmp",
        (("ipaddr", "ip"), ("port", "ipport"), ("community", "community")),
    ),
    "wti_nps": GlueType(
        ("ipaddr", "password"), "fence_wti", (("ipaddr", "ip"), ("password", "password"))
    ),
    "external/riloe": GlueType(
        RILOE_NAMES,
        "fence_ilo",
        (("ilo_hostname", "ip"), ("ilo_user", "username"), ("ilo_password", "password")),
        "hostlist",
    ),
}
"""cluster-glue plugin -> fence agent (plugin parameter names as ``stonith -t T -n``)."""


def split_params(names: tuple[str, ...], text: str) -> dict[str, str] | None:
    """PARAMS by position, the last name taking the rest; None if a value is missing."""
    parts = text.split(None, len(names) - 1)
    return dict(zip(names, parts, strict=True)) if len(parts) == len(names) else None


def _device(
    stype: str, text: str, only_on: str | None, directive: str, loc: Location | None
) -> tuple[FenceDevice | None, str]:
    glue = TYPES.get(stype)
    if glue is None:
        return None, f"STONITH type {stype!r} has no fence-agents equivalent mapped here"
    values = split_params(glue.names, text)
    if values is None:
        want = " ".join(glue.names)
        return None, f"{stype} needs every parameter ({want}): Heartbeat refuses it too"
    params: list[tuple[str, str]] = [(dst, values[src]) for src, dst in glue.rename]
    if glue.extra is not None:
        params += glue.extra(values)
    hint = f"fence_{stype.replace('external/', '')}"
    if glue.hosts_from is not None:
        hosts = " ".join(values[glue.hosts_from].split())
        params.append(("pcmk_host_list", hosts))
        hint = f"fence_{hosts.split()[0]}" if hosts else hint
    return FenceDevice(hint, glue.agent, tuple(params), only_on, directive, loc), ""


def fence_devices(
    cfg: ClusterConfig, files: Mapping[str, str]
) -> tuple[list[FenceDevice], list[Diagnostic]]:
    """Every stonith/stonith_host line as a fence device, or a warning saying why not.

    ``files``: the first non-comment line of each ``stonith TYPE FILE`` file that could be
    read (the caller reads them)."""
    hacf = cfg.hacf
    path = f"{cfg.config_dir.rstrip('/')}/ha.cf"
    nodes = {n.lower(): n for n in hacf.nodes}
    entries: list[tuple[str, str, str, str | None, Location | None]] = []
    locs = hacf.entry_locations
    for i, args in enumerate(hacf.stonith_hosts):
        loc = _nth(locs.get("stonith_host", ()), i)
        host = args[0].lower() if args else "*"
        only_on = None if host == "*" else nodes.get(host, args[0])
        stype = args[1] if len(args) > 1 else ""
        entries.append(("stonith_host", stype, " ".join(args[2:]), only_on, loc))
    for i, (stype, cfgfile) in enumerate(hacf.stonith):
        loc = _nth(locs.get("stonith", ()), i)
        entries.append(("stonith", stype, files.get(cfgfile, ""), None, loc))
    devices: list[FenceDevice] = []
    diags: list[Diagnostic] = []
    for directive, stype, text, only_on, loc in entries:
        if directive == "stonith" and not text:
            why = "its configuration file could not be read here"
            dev = None
        else:
            dev, why = _device(stype, text, only_on, directive, loc)
        if dev is None:
            msg = (
                f"{directive} {stype}: not converted ({why}); find the fence agent for this "
                "device (stonith_admin --list-installed) and configure it by hand; fencing "
                "stays disabled until then"
            )
            diags.append(notes.note(loc, notes.STONITH_DIRECTIVE, msg, path))
            continue
        if only_on is not None and only_on.lower() not in nodes:
            msg = f"stonith_host {only_on}: not a node of ha.cf; the device may run anywhere"
            diags.append(notes.note(loc, notes.STONITH_DIRECTIVE, msg, path))
            dev = FenceDevice(dev.id_hint, dev.agent, dev.params, None, directive, loc)
        devices.append(dev)
        msg = (
            f"{directive} {stype} -> stonith:{dev.agent} (stonith-enabled=true when every "
            "STONITH line converts): check it with 'stonith_admin --reboot NODE' before "
            "production"
        )
        diags.append(notes.note(loc, notes.FENCE_DEVICE, msg, path))
    return devices, diags


def _nth(locs: tuple[Location, ...], i: int) -> Location | None:
    return locs[i] if i < len(locs) else None
