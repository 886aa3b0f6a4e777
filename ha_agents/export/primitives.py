"""One haresources resource -> one Pacemaker primitive (or a diagnostic saying why not).

Mapping (docs/heartbeat/resources.md §6 for the wrapper arguments):

* ``IPaddr``, ``IPaddr2``, a bare IP -> ``ocf:heartbeat:IPaddr2`` (ip, cidr_netmask, nic,
  iflabel, broadcast).  IPaddr's alias-interface behaviour is not kept: IPaddr2 adds the
  address with ``ip addr`` (as ha_agents' own IPaddr does).
* ``Filesystem::DEV::DIR[::FSTYPE[::OPTIONS]]`` -> ``ocf:heartbeat:Filesystem``.
* ``MailTo::EMAIL[::SUBJECT]`` -> ``ocf:heartbeat:MailTo``; the other Heartbeat wrappers
  (IPsrcaddr, IPv6addr, LVM, ...) -> the OCF agent they wrap, same parameter names.
* ``ocf:PROVIDER:AGENT::NAME=VALUE...`` (ha_agents' haresources form) -> that agent.
* ``OCF::AGENT::INSTANCE`` -> ``ocf:heartbeat:AGENT`` with the instance file's
  ``OCF_RESKEY_*`` values.
* a script found in /etc/init.d -> ``lsb:NAME``; ha_agents' own agents -> ``ocf:ha_agents:NAME``;
  any other heartbeat-class script -> not exported, with the manual step.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import ResourceSpec
from ha_agents.export import notes
from ha_agents.export.ipspec import parse_ip_arg

Params = tuple[tuple[str, str], ...]


class ScriptKind(enum.Enum):
    """Where a non-wrapper script name was found (decided by the caller, which reads files)."""

    HEARTBEAT = "heartbeat"  # a user's heartbeat-class script in <config_dir>/resource.d
    OURS = "ours"  # an ha_agents agent (shipped resource.d or written with the SDK)
    LSB = "lsb"  # /etc/init.d/NAME
    MISSING = "missing"  # not found on this machine


@dataclass(frozen=True, slots=True)
class ScriptInfo:
    """What the edge found on disk: script kinds by name, OCF instance files' parameters,
    the PARAMS line of each ``stonith TYPE FILE`` file."""

    kinds: Mapping[str, ScriptKind] = field(default_factory=dict)
    ocf_instances: Mapping[tuple[str, str], Params] = field(default_factory=dict)
    stonith_files: Mapping[str, str] = field(default_factory=dict)  # path -> PARAMS line


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    interval: str
    timeout: str


@dataclass(frozen=True, slots=True)
class Primitive:
    id_hint: str  # a readable base for the id; the plan makes ids unique
    standard: str  # "ocf" or "lsb"
    provider: str | None
    type: str
    params: Params
    ops: tuple[Op, ...]
    source: ResourceSpec

    @property
    def agent(self) -> str:
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


def _ops(monitor: str, timeout: str, start_stop: str | None = None) -> tuple[Op, ...]:
    ops = [Op("monitor", monitor, timeout)]
    if start_stop is not None:
        ops += [Op("start", "0s", start_stop), Op("stop", "0s", start_stop)]
    return tuple(ops)


IP_OPS = _ops("10s", "20s")
FS_OPS = _ops("20s", "40s", "60s")
LSB_OPS = _ops("15s", "15s", "60s")
OCF_OPS = _ops("10s", "20s")
OURS_OPS = _ops("10s", "30s", "60s")

Result = tuple[Primitive | None, list[Diagnostic]]


def _bad(spec: ResourceSpec, why: str) -> Result:
    msg = (
        f"resource {spec.text!r} not exported: {why}; fix it in haresources "
        "(Heartbeat would fail to start it too)"
    )
    return None, [notes.note(spec.loc, notes.BAD_ARGS, msg)]


def _ipaddr(spec: ResourceSpec) -> Result:
    if len(spec.args) != 1:
        return _bad(spec, f"{spec.name} takes exactly one argument IP[/BITS[/NIC[/BROADCAST]]]")
    parsed = parse_ip_arg(spec.args[0])
    if isinstance(parsed, str):
        return _bad(spec, parsed)
    params: list[tuple[str, str]] = [("ip", parsed.ip)]
    if parsed.prefix is not None:
        params.append(("cidr_netmask", str(parsed.prefix)))
    if parsed.nic:
        params.append(("nic", parsed.nic))
    if parsed.label:
        params.append(("iflabel", parsed.label))
    if parsed.broadcast:
        params.append(("broadcast", parsed.broadcast))
    prim = Primitive(f"ip_{parsed.ip}", "ocf", "heartbeat", "IPaddr2", tuple(params), IP_OPS, spec)
    return prim, []


def _filesystem(spec: ResourceSpec) -> Result:
    if not 2 <= len(spec.args) <= 4:
        return _bad(spec, "Filesystem takes DEVICE::DIRECTORY[::FSTYPE[::OPTIONS]]")
    names = ("device", "directory", "fstype", "options")
    params = tuple((n, v) for n, v in zip(names, spec.args, strict=False) if v)
    diags: list[Diagnostic] = []
    if len(spec.args) < 3 or not spec.args[2]:
        diags.append(
            notes.note(
                spec.loc,
                notes.NO_FSTYPE,
                f"{spec.text!r}: ocf:heartbeat:Filesystem requires fstype; add fstype=... "
                "(e.g. ext4) to the exported primitive",
            )
        )
    slug = spec.args[1].strip("/").replace("/", "_") or "root"
    prim = Primitive(f"fs_{slug}", "ocf", "heartbeat", "Filesystem", params, FS_OPS, spec)
    return prim, diags


def _positional(
    ocf_type: str, names: tuple[str, ...], minimum: int
) -> Callable[[ResourceSpec], Result]:
    """A wrapper whose arguments are OCF parameters in order."""

    def convert(spec: ResourceSpec) -> Result:
        if not minimum <= len(spec.args) <= len(names):
            want = "::".join(n.upper() for n in names)
            return _bad(spec, f"{spec.name} takes {want} ({minimum}-{len(names)} arguments)")
        params = tuple((n, v) for n, v in zip(names, spec.args, strict=False) if v)
        hint = f"{ocf_type.lower()}_{spec.args[0]}" if spec.args else ocf_type.lower()
        return Primitive(hint, "ocf", "heartbeat", ocf_type, params, OCF_OPS, spec), []

    return convert


def _ipv6addr(spec: ResourceSpec) -> Result:
    if len(spec.args) != 1:
        return _bad(spec, "IPv6addr takes exactly one argument IP6[/BITS[/NIC]]")
    fields = spec.args[0].split("/")
    names = ("ipv6addr", "cidr_netmask", "nic")
    params = tuple((n, v) for n, v in zip(names, fields, strict=False) if v)
    return Primitive(f"ip6_{fields[0]}", "ocf", "heartbeat", "IPv6addr", params, IP_OPS, spec), []


def _sendarp(spec: ResourceSpec) -> Result:
    if len(spec.args) != 1 or "/" not in spec.args[0]:
        return _bad(spec, "SendArp takes exactly one argument IP/INTERFACE")
    ip, _, nic = spec.args[0].partition("/")
    params = (("ip", ip), ("nic", nic))
    return Primitive(f"sendarp_{ip}", "ocf", "heartbeat", "SendArp", params, OCF_OPS, spec), []


def _audible(spec: ResourceSpec) -> Result:
    params = (("nodelist", " ".join(spec.args)),) if spec.args else ()
    return Primitive("audiblealarm", "ocf", "heartbeat", "AudibleAlarm", params, OCF_OPS, spec), []


def _was(spec: ResourceSpec) -> Result:
    if len(spec.args) > 1:
        return _bad(spec, "WAS takes one optional argument (config file or port)")
    params: Params = ()
    if spec.args:
        name = "port" if spec.args[0].isdigit() else "config"
        params = ((name, spec.args[0]),)
    return Primitive("was", "ocf", "heartbeat", "WAS", params, OCF_OPS, spec), []


def _ids(spec: ResourceSpec) -> Result:
    if len(spec.args) not in (0, 3):
        return _bad(spec, "ids takes no arguments or INFORMIXDIR::INFORMIXSERVER::ONCONFIG")
    names = ("informixdir", "informixserver", "onconfig")
    params = tuple(zip(names, spec.args, strict=False))
    return Primitive("ids", "ocf", "heartbeat", "ids", params, OCF_OPS, spec), []


WRAPPERS: dict[str, Callable[[ResourceSpec], Result]] = {
    "IPaddr": _ipaddr,
    "IPaddr2": _ipaddr,
    "Filesystem": _filesystem,
    "MailTo": _positional("MailTo", ("email", "subject"), 1),
    "IPsrcaddr": _positional("IPsrcaddr", ("ipaddress",), 1),
    "IPv6addr": _ipv6addr,
    "LVM": _positional("LVM", ("volgrpname",), 1),
    "Raid1": _positional("Raid1", ("raidconf", "raiddev"), 2),
    "SendArp": _sendarp,
    "Xinetd": _positional("Xinetd", ("service",), 1),
    "apache": _positional("apache", ("configfile",), 0),
    "portblock": _positional("portblock", ("protocol", "portno", "action"), 3),
    "Delay": _positional("Delay", ("startdelay", "stopdelay"), 0),
    "AudibleAlarm": _audible,
    "db2": _positional("db2", ("instance",), 1),
    "WAS": _was,
    "ICP": _positional("ICP", ("driveid", "device"), 2),
    "LinuxSCSI": _positional("LinuxSCSI", ("scsi",), 1),
    "ServeRAID": _positional("ServeRAID", ("serveraid", "mergegroup"), 2),
    "WinPopup": _positional("WinPopup", ("hostfile",), 0),
    "ids": _ids,
}
"""Heartbeat's resource.d wrappers, by script name (case sensitive, like the file names)."""


def _ocf_colon(spec: ResourceSpec) -> Result:
    """``ocf:PROVIDER:AGENT::NAME=VALUE...`` (ha_agents' haresources extension)."""
    parts = spec.name.split(":")
    if len(parts) != 3 or not all(parts[1:]):
        return _bad(spec, "the OCF form is ocf:PROVIDER:AGENT::NAME=VALUE...")
    params: list[tuple[str, str]] = []
    for arg in spec.args:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            return _bad(spec, f"OCF parameter {arg!r} is not NAME=VALUE")
        params.append((name.strip(), value))
    hint = f"{parts[2].lower()}_{spec.loc.line}"
    return Primitive(hint, "ocf", parts[1], parts[2], tuple(params), OCF_OPS, spec), []


def _ocf_instance(spec: ResourceSpec, info: ScriptInfo) -> Result:
    """Heartbeat's ``OCF::AGENT::INSTANCE`` wrapper."""
    if len(spec.args) != 2:
        return _bad(spec, "Heartbeat's OCF form is OCF::AGENT::INSTANCE")
    agent, instance = spec.args
    params = info.ocf_instances.get((agent, instance))
    diags: list[Diagnostic] = []
    if params is None:
        params = ()
        diags.append(
            notes.note(
                spec.loc,
                notes.OCF_INSTANCE,
                f"{spec.text!r}: instance file conf/OCF/{agent}/{instance} not readable; "
                f"add the parameters of ocf:heartbeat:{agent} to the exported primitive by hand",
            )
        )
    prim = Primitive(
        f"{agent.lower()}_{instance}", "ocf", "heartbeat", agent, params, OCF_OPS, spec
    )
    return prim, diags


def _script(spec: ResourceSpec, info: ScriptInfo) -> Result:
    kind = info.kinds.get(spec.name, ScriptKind.MISSING)
    if kind is ScriptKind.HEARTBEAT:
        msg = (
            f"{spec.text!r}: {spec.name} is a heartbeat-class script (resource.d/{spec.name}); "
            "Pacemaker cannot run it, so it is NOT in the export. Manual step: turn it into an "
            "LSB init script (start/stop/status with LSB exit codes) or an OCF agent "
            f"(e.g. with the ha_agents agent SDK) and add it to the group where it was"
        )
        return None, [notes.note(spec.loc, notes.UNKNOWN_SCRIPT, msg)]
    if kind is ScriptKind.OURS:
        msg = (
            f"{spec.text!r}: ha_agents agent exported as ocf:ha_agents:{spec.name}; copy it to "
            f"/usr/lib/ocf/resource.d/ha_agents/{spec.name} on every node (first line: a python "
            "that has ha_agents and that user hacluster can run: Pacemaker reads meta-data as "
            "hacluster)"
        )
        if spec.args:
            msg += (
                f"; its haresources arguments {list(spec.args)} must be set by hand as the "
                "agent's OCF parameters (see its meta-data)"
            )
        prim = Primitive(spec.name, "ocf", "ha_agents", spec.name, (), OURS_OPS, spec)
        return prim, [notes.note(spec.loc, notes.INSTALL_AGENT, msg)]
    diags: list[Diagnostic] = []
    if spec.args:
        return _bad(spec, f"init script {spec.name} gets no arguments in Pacemaker (lsb class)")
    if kind is ScriptKind.MISSING:
        msg = (
            f"{spec.name!r} was found neither in resource.d nor in /etc/init.d here; "
            f"exported as lsb:{spec.name} — make sure /etc/init.d/{spec.name} exists on every node"
        )
        diags.append(notes.note(spec.loc, notes.ASSUMED_LSB, msg))
    return Primitive(spec.name, "lsb", None, spec.name, (), LSB_OPS, spec), diags


def to_primitive(spec: ResourceSpec, info: ScriptInfo) -> Result:
    """Map one resource; ``None`` plus a diagnostic when it cannot be exported."""
    if spec.name.startswith("ocf:"):
        return _ocf_colon(spec)
    if spec.name == "OCF":
        return _ocf_instance(spec, info)
    wrapper = WRAPPERS.get(spec.name)
    if wrapper is not None:
        return wrapper(spec)
    return _script(spec, info)
