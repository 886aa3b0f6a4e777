"""ha.cf + haresources -> keepalived.conf for one node, plus the notify script.

* one ``vrrp_instance`` per haresources group; its IPaddr/IPaddr2/bare-IP resources become
  ``virtual_ipaddress`` entries (keepalived adds/removes them itself);
* every other resource of the group is run by ``ha-agents resource start|stop`` from the
  generated notify script (left to right on MASTER, right to left otherwise), so even a
  heartbeat-class script keeps working;
* ``advert_int`` = keepalive (VRRPv2 has 1 s resolution; a sub-second or fractional keepalive
  switches to VRRPv3, 10 ms resolution);
* priority 150 on the home node, 100 (and lower) elsewhere; ``auto_failback off`` ->
  every node BACKUP + ``nopreempt``;
* ucast heartbeat media -> ``unicast_peer`` on that interface.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import (
    AutoFailback,
    ClusterConfig,
    MediumKind,
    ResourceGroup,
    ResourceSpec,
)
from ha_agents.export import notes
from ha_agents.export.ipspec import IpSpec, parse_ip_arg
from ha_agents.export.plan import safe_id

HOME_PRIORITY = 150
OTHER_PRIORITY = 100
IP_SCRIPTS = frozenset({"IPaddr", "IPaddr2"})
OCF_IP_AGENTS = frozenset({"ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr"})
NOTIFY_SCRIPT = "/etc/keepalived/ha-agents-notify"


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    group: ResourceGroup
    vips: tuple[IpSpec, ...]
    others: tuple[str, ...]  # resource texts run by ha-agents, start order
    interface: str
    vrid: int


def advert_int(keepalive_ms: int) -> tuple[str, int]:
    """(advert_int text, VRRP version) for a keepalive in ms."""
    if keepalive_ms % 1000 == 0:
        return str(max(1, min(255, keepalive_ms // 1000))), 2
    centis = max(1, min(4095, round(keepalive_ms / 10)))
    return f"{centis / 100:g}", 3


def _ocf_ip(args: tuple[str, ...]) -> str | None:
    """``ip=X::cidr_netmask=N::nic=IF::iflabel=L::broadcast=B`` -> the wrapper form."""
    params = dict(a.partition("=")[::2] for a in args)
    if "ip" not in params:
        return None
    nic = params.get("nic", "")
    if nic and params.get("iflabel"):
        nic = f"{nic}:{params['iflabel']}"
    fields = [params["ip"], params.get("cidr_netmask", ""), nic, params.get("broadcast", "")]
    while fields and not fields[-1]:
        fields.pop()
    return "/".join(fields)


def _ip_arg(spec: ResourceSpec) -> str | None:
    """The IP[/BITS[/NIC[/BCAST]]] text of an address resource, else None."""
    if spec.name in IP_SCRIPTS and len(spec.args) == 1:
        return spec.args[0]
    if spec.name in OCF_IP_AGENTS:
        return _ocf_ip(spec.args)
    return None


def _split(rg: ResourceGroup) -> tuple[list[IpSpec], list[str], list[Diagnostic]]:
    vips: list[IpSpec] = []
    others: list[str] = []
    diags: list[Diagnostic] = []
    for spec in rg.resources:
        arg = _ip_arg(spec)
        if arg is None:
            others.append(spec.text)
            continue
        parsed = parse_ip_arg(arg)
        if isinstance(parsed, IpSpec):
            vips.append(parsed)
            continue
        msg = f"resource {spec.text!r} not exported: {parsed}"
        diags.append(notes.note(spec.loc, notes.BAD_ARGS, msg))
    return vips, others, diags


def _interface(
    cfg: ClusterConfig, rg: ResourceGroup, vips: list[IpSpec]
) -> tuple[str, list[Diagnostic]]:
    for vip in vips:
        if vip.nic:
            return vip.nic, []
    devs = [m.dev for m in cfg.hacf.media if m.kind is not MediumKind.SERIAL]
    if devs:
        msg = (
            f"group {rg.key!r}: no interface given for its addresses; keepalived uses the "
            f"heartbeat interface {devs[0]} — check that the addresses belong there"
        )
        return devs[0], [notes.note(rg.loc, notes.NO_VRRP_INTERFACE, msg)]
    msg = f"group {rg.key!r}: no network interface known; edit 'interface' in keepalived.conf"
    return "REPLACE_WITH_INTERFACE", [notes.note(rg.loc, notes.NO_VRRP_INTERFACE, msg)]


def instances(cfg: ClusterConfig, vrid_base: int = 51) -> tuple[list[Instance], list[Diagnostic]]:
    result: list[Instance] = []
    diags: list[Diagnostic] = []
    used: set[str] = set()
    for rg in cfg.groups:
        if not rg.resources:
            msg = f"haresources line for {rg.node} has no resources; nothing to export"
            diags.append(notes.note(rg.loc, notes.EMPTY_GROUP, msg))
            continue
        vips, others, more = _split(rg)
        diags += more
        if not vips:
            msg = (
                f"group {rg.key!r} has no IP address; a keepalived VRRP instance needs one, so "
                "the group is not in the keepalived export — give it an address or run it "
                "from the notify script of another group"
            )
            diags.append(notes.note(rg.loc, notes.NOT_IN_VRRP, msg))
            continue
        iface, more = _interface(cfg, rg, vips)
        diags += more
        is_ip = _ip_arg(rg.resources[0]) is not None
        name = base = f"VI_ip_{vips[0].ip}" if is_ip else f"VI_{safe_id(rg.key)}"
        n = 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        vrid = vrid_base + len(result)
        result.append(Instance(name, rg, tuple(vips), tuple(others), iface, min(vrid, 255)))
    return result, diags


def _vip_line(vip: IpSpec, iface: str) -> str:
    words = [f"{vip.ip}/{vip.prefix if vip.prefix is not None else 32}"]
    if vip.broadcast:
        words += ["brd", vip.broadcast]
    words += ["dev", vip.nic or iface]
    if vip.label:
        words += ["label", f"{vip.nic}:{vip.label}"]
    return " ".join(words)


def _unicast(
    cfg: ClusterConfig, node: str, iface: str, addresses: Mapping[str, list[str]]
) -> list[str]:
    devs = list(dict.fromkeys(m.dev for m in cfg.hacf.media if m.kind is not MediumKind.SERIAL))
    ucast_devs = {m.dev for m in cfg.hacf.media if m.kind in (MediumKind.UCAST, MediumKind.UCAST6)}
    if iface not in ucast_devs or iface not in devs:
        return []
    link = devs.index(iface)
    lines: list[str] = []
    own = addresses.get(node, [])
    if len(own) > link:
        lines.append(f"unicast_src_ip {own[link]}")
    peers = [
        addresses[n][link] for n in cfg.hacf.nodes if n != node and len(addresses.get(n, [])) > link
    ]
    if not peers:  # nothing known about the peers: keepalived's default multicast
        return []
    lines += ["unicast_peer {", *(f"    {p}" for p in peers), "}"]
    return lines


def render_keepalived(
    cfg: ClusterConfig,
    node: str,
    addresses: Mapping[str, list[str]],
    vrid_base: int = 51,
    notify_path: str = NOTIFY_SCRIPT,
) -> tuple[str, list[Diagnostic]]:
    """keepalived.conf for ``node`` (one of ``cfg.hacf.nodes``); ``notify_path`` is where
    the script of :func:`render_notify_script` is installed."""
    insts, diags = instances(cfg, vrid_base)
    adv, version = advert_int(cfg.hacf.keepalive_ms)
    off = cfg.hacf.auto_failback is AutoFailback.OFF
    gdefs = [f"router_id {node}", "script_user root", "enable_script_security"]
    if version == 3:
        gdefs.append("vrrp_version 3")
    out = [
        f"# keepalived.conf for node {node} of cluster {cfg.hacf.cluster}, exported by ha-agents",
        f"# Heartbeat declared a peer dead after deadtime {cfg.hacf.deadtime_ms} ms; VRRP does",
        f"# after 3 x advert_int ({adv} s) + skew.  No VRRP authentication (authkeys not used).",
        "global_defs {",
        *(f"    {g}" for g in gdefs),
        "}",
    ]
    for inst in insts:
        home = inst.group.node.lower() == node.lower()
        rest = [n.lower() for n in cfg.hacf.nodes if n.lower() != inst.group.node.lower()]
        priority = HOME_PRIORITY if home else OTHER_PRIORITY - rest.index(node.lower())
        state = "MASTER" if home and not off else "BACKUP"
        body = [
            f"# haresources {inst.group.loc}: {inst.group.node} "
            + " ".join(r.text for r in inst.group.resources),
            f"state {state}",
            f"interface {inst.interface}",
            f"virtual_router_id {inst.vrid}",
            f"priority {max(1, priority)}",
            f"advert_int {adv}",
        ]
        if off:
            body.append("nopreempt")
        body += _unicast(cfg, node, inst.interface, addresses)
        if inst.vips:
            body += [
                "virtual_ipaddress {",
                *(f"    {_vip_line(v, inst.interface)}" for v in inst.vips),
                "}",
            ]
        if inst.others:
            body += [
                f'notify_master "{notify_path} start {inst.name}"',
                f'notify_backup "{notify_path} stop {inst.name}"',
                f'notify_fault "{notify_path} stop {inst.name}"',
                f'notify_stop "{notify_path} stop {inst.name}"',
            ]
        out += [f"vrrp_instance {inst.name} {{", *(f"    {b}" for b in body), "}"]
    return "\n".join(out) + "\n", diags


def render_notify_script(
    cfg: ClusterConfig,
    command: Sequence[str] = ("/usr/bin/ha-agents",),
    vrid_base: int = 51,
    install_path: str = NOTIFY_SCRIPT,
    config_dir: str | None = None,
) -> str:
    """The shell script keepalived runs on state changes: start/stop the non-IP resources.

    ``command`` is the ha-agents command as argv words (absolute: keepalived runs the
    script from ``/`` with its own PATH); ``config_dir`` (default ``cfg.config_dir``)
    must be absolute for the same reason."""
    insts, _ = instances(cfg, vrid_base)
    q = shlex.quote
    lines = [
        "#!/bin/sh",
        "# keepalived notify script, exported by ha-agents: ACTION (start|stop) INSTANCE.",
        f"# Install as {install_path}, owner root, mode 0755.",
        "set -u",
        f'ha_agents() {{ {" ".join(q(w) for w in command)} "$@"; }}',
        f"CONFIG_DIR={q(config_dir or cfg.config_dir)}",
        'action="$1"; instance="$2"',
        'case "$instance" in',
    ]
    for inst in insts:
        if not inst.others:
            continue
        lines.append(f"{inst.name})")
        lines.append(f"    set -- {' '.join(q(r) for r in inst.others)} ;;")
    lines += [
        '*) echo "ha-agents-notify: unknown instance $instance" >&2; exit 1 ;;',
        "esac",
        'if [ "$action" = start ]; then',
        '    for r in "$@"; do',
        '        ha_agents resource start --config-dir "$CONFIG_DIR" -- "$r" || exit 1',
        "    done",
        "else",
        "    rc=0",
        '    n=$#; while [ "$n" -gt 0 ]; do',
        '        eval "r=\\${$n}"',
        '        ha_agents resource stop --config-dir "$CONFIG_DIR" -- "$r" || rc=1',
        "        n=$((n - 1))",
        "    done",
        '    exit "$rc"',
        "fi",
    ]
    return "\n".join(lines) + "\n"
