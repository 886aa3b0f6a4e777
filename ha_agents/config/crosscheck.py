"""Checks across directives and files (pure; the machine is asked through HostFacts).

Errors are what Heartbeat 3.0.6 refuses; warnings are what it should have told its
users.  Locations follow the spec's convention: the line of the directive Heartbeat's
message names, the other directive when that one is defaulted, line 1 for absences.
"""

from __future__ import annotations

from collections.abc import Callable

from ha_agents.config.diagnostics import Diagnostic, error, warning
from ha_agents.config.haresources import script_candidates
from ha_agents.config.host import HostFacts
from ha_agents.config.lines import show
from ha_agents.config.model import (
    AuthKeys,
    AuthMethod,
    HaCf,
    Location,
    MediumKind,
    ResourceGroup,
)
from ha_agents.config.values import is_ipv6

Emit = Callable[[str, int, str, str], Diagnostic]

NETWORK_MEDIA = (MediumKind.BCAST, MediumKind.MCAST, MediumKind.MCAST6, MediumKind.UCAST)
#: haresources with more than two nodes: ha_agents refuses it (``export pacemaker`` does not)
TWO_NODE_RESOURCES = "HR209"


def check_host(hacf: HaCf, host: HostFacts, remote: bool) -> list[Diagnostic]:
    """What Heartbeat checks against the machine (errors; warnings when ``remote``)."""
    emit: Emit = warning if remote else error
    where = " (checked on this machine)" if not remote else " (not verified: --remote)"
    out: list[Diagnostic] = []
    for m in hacf.media:
        p, n = m.loc.path, m.loc.line
        if m.kind is MediumKind.SERIAL:
            if not host.path_exists(m.dev):
                out.append(emit(p, n, "HA131", f"nonexistent serial port [{show(m.dev)}]{where}"))
            elif not host.is_serial_device(m.dev):
                out.append(emit(p, n, "HA131", f"[{show(m.dev)}] is not a serial port{where}"))
            continue
        if not host.interface_exists(m.dev):
            out.append(
                emit(
                    p,
                    n,
                    "HA130",
                    f"{m.kind.value}: interface [{show(m.dev)}] does not exist{where}",
                )
            )
            continue
        if m.kind is MediumKind.BCAST and not host.has_broadcast(m.dev):
            out.append(
                emit(
                    p,
                    n,
                    "HA130",
                    f"bcast: interface [{show(m.dev)}] has no IPv4 broadcast address{where}",
                )
            )
        if m.kind is MediumKind.MCAST and not host.has_ipv4(m.dev):
            out.append(
                emit(p, n, "HA130", f"mcast: interface [{show(m.dev)}] has no IPv4 address{where}")
            )
        if m.kind is MediumKind.UCAST6 and m.peer and not is_ipv6(m.peer):
            msg = f"ucast6: bad address [{show(m.peer)}] (needs an IPv6 address)"
            out.append(error(p, n, "HA134", msg))
        elif m.kind is MediumKind.UCAST and m.peer and not host.resolves(m.peer):
            out.append(
                emit(p, n, "HA134", f"{m.kind.value}: cannot resolve peer [{show(m.peer)}]{where}")
            )
    for ping in hacf.ping_nodes:
        for h in ping.hosts:
            if host.resolves6(h) if ping.ipv6 else host.resolves(h):
                continue
            if ping.is_group:  # Heartbeat logs "unknown host" and starts anyway
                msg = f"ping_group {show(ping.name)}: unknown host [{show(h)}]{where}"
                out.append(warning(ping.loc.path, ping.loc.line, "HA134", msg))
            else:
                kind = "ping6" if ping.ipv6 else "ping"
                msg = f"{kind}: unknown host [{show(h)}]{where}"
                out.append(emit(ping.loc.path, ping.loc.line, "HA134", msg))
    out.extend(_clients(hacf, host, emit, where))
    return out


def _entry_locs(hacf: HaCf, kind: str, count: int) -> list[Location]:
    locs = list(hacf.entry_locations.get(kind, ()))
    fallback = hacf.locations.get(kind) or Location(_any_path(hacf), 1)
    return (locs + [fallback] * count)[:count]


def _any_path(hacf: HaCf) -> str:
    loc = next(iter(hacf.locations.values()), None)
    return loc.path if loc else "ha.cf"


#: Debian's heartbeat 3.0.6 package installs the client programs under
#: /usr/libexec/heartbeat (``dpkg -L heartbeat``: ipfail, dopd, api_test, apphbd, ccm);
#: guides written for older packages name /usr/lib/heartbeat (or /usr/lib64/heartbeat).
OLD_LIBDIRS = ("/usr/lib/heartbeat/", "/usr/lib64/heartbeat/")
NEW_LIBDIR = "/usr/libexec/heartbeat/"


def moved(cmd: str, host: HostFacts) -> str:
    """A hint when a client program named at its old place exists at the new one."""
    for old in OLD_LIBDIRS:
        if cmd.startswith(old):
            new = NEW_LIBDIR + cmd[len(old) :]
            if host.path_exists(new):
                return f" (Debian's heartbeat package installs it as {new})"
    return ""


def _clients(hacf: HaCf, host: HostFacts, emit: Emit, where: str) -> list[Diagnostic]:
    """respawn/failfast users and programs, apiauth users/groups, STONITH types/files."""
    out: list[Diagnostic] = []
    for kind, entries in (("respawn", hacf.respawn), ("failfast", hacf.failfast)):
        for (user, cmd, _args), loc in zip(
            entries, _entry_locs(hacf, kind, len(entries)), strict=True
        ):
            if not host.user_exists(user):
                msg = f"{kind}: invalid uid [{show(user)}] for client child{where}"
                out.append(emit(loc.path, loc.line, "HA135", msg))
            if not host.path_exists(cmd):
                msg = f"{kind}: client command [{show(cmd)}] does not exist{moved(cmd, host)}"
                out.append(emit(loc.path, loc.line, "HA132", msg + where))
    for args, loc in zip(
        hacf.apiauth, _entry_locs(hacf, "apiauth", len(hacf.apiauth)), strict=True
    ):
        for arg in args[1:]:
            key, _, names = arg.partition("=")
            exists = host.user_exists if key == "uid" else host.group_exists
            for name in (x for x in names.split(",") if x):
                if not name.isdigit() and not exists(name):  # numeric ids are taken as is
                    what = "user" if key == "uid" else "group"
                    msg = f"apiauth: unknown {what} [{show(name)}]{where}"
                    out.append(emit(loc.path, loc.line, "HA135", msg))
    for (stype, cfgfile), loc in zip(
        hacf.stonith, _entry_locs(hacf, "stonith", len(hacf.stonith)), strict=True
    ):
        if not host.stonith_type_exists(stype):
            msg = f"stonith: invalid STONITH type [{show(stype)}]{where}"
            out.append(emit(loc.path, loc.line, "HA133", msg))
        if not host.path_exists(cfgfile):
            msg = f"stonith: cannot open config file [{show(cfgfile)}]{where}"
            out.append(emit(loc.path, loc.line, "HA133", msg))
    for sargs, loc in zip(
        hacf.stonith_hosts,
        _entry_locs(hacf, "stonith_host", len(hacf.stonith_hosts)),
        strict=True,
    ):
        if not host.stonith_type_exists(sargs[1]):
            msg = f"stonith_host: invalid STONITH type [{show(sargs[1])}]{where}"
            out.append(emit(loc.path, loc.line, "HA133", msg))
    return out


def check_auth_media(keys: AuthKeys, hacf: HaCf) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    k = keys.keys.get(keys.active)
    if k is None:
        return out
    if k.method is AuthMethod.CRC and any(m.kind in NETWORK_MEDIA for m in hacf.media):
        out.append(
            warning(
                k.loc.path,
                k.loc.line,
                "HX401",
                "auth method crc over a network medium: anyone on the link can forge "
                "heartbeats; use sha1 with a secret key",
            )
        )
    if (
        any(x.method is AuthMethod.CRC for x in keys.keys.values())
        and k.method is not AuthMethod.CRC
    ):
        out.append(
            warning(
                k.loc.path,
                k.loc.line,
                "HX402",
                "a crc key is listed: Heartbeat accepts crc-signed messages from anyone "
                "(downgrade); remove unused crc lines",
            )
        )
    return out


def check_groups(
    groups: tuple[ResourceGroup, ...],
    hacf: HaCf,
    host: HostFacts,
    config_dir: str,
    agents: tuple[str, ...],
) -> list[Diagnostic]:
    """haresources against ha.cf (node names: error) and the machine (scripts: warning)."""
    out: list[Diagnostic] = []
    nodes = {n.lower() for n in hacf.nodes}
    for g in groups:
        if g.node.lower() not in nodes:
            out.append(
                error(
                    g.loc.path,
                    g.loc.line,
                    "HR201",
                    f"bad node name [{show(g.node)}]: not a 'node' in ha.cf"
                    + (" ('#' starts a comment only after a blank here)" if "#" in g.node else ""),
                )
            )
        for spec in g.resources:
            cands = script_candidates(spec, config_dir, agents)
            if not any(host.is_executable(c) for c in cands):
                tried = ", ".join(cands) if cands else "no valid script name"
                out.append(
                    warning(
                        g.loc.path,
                        g.loc.line,
                        "HR203",
                        f"no script for resource '{show(spec.text)}' (tried {show(tried, 200)}); "
                        "Heartbeat starts, but taking over this group will fail",
                    )
                )
    return out + _more_than_two(groups, hacf)


def _more_than_two(groups: tuple[ResourceGroup, ...], hacf: HaCf) -> list[Diagnostic]:
    """Heartbeat's v1 resource manager is two-node only: with three nodes, every survivor
    of a dead node takes its groups (observed on 3.0.6: the address on two nodes and
    "Both machines own foreign resources!").  ha_agents refuses such a cluster."""
    used = [g for g in groups if g.resources]
    if len(hacf.nodes) <= 2 or not used:
        return []
    g = used[0]
    msg = (
        f"haresources with {len(hacf.nodes)} nodes in ha.cf: Heartbeat's haresources "
        "resource manager is two-node only (when a node dies, every survivor takes its "
        "groups: Heartbeat 3.0.6 runs the service twice). ha_agents refuses it: keep "
        "haresources empty on clusters of more than two nodes (membership only), or move "
        "the resources to Pacemaker with 'ha-agents export pacemaker' (docs/migration.md)"
    )
    return [error(g.loc.path, g.loc.line, TWO_NODE_RESOURCES, msg)]
