"""The ``resource.d/IPaddr`` command: one agent, two calling conventions.

* Heartbeat class: ``IPaddr IP[/PREFIX[/NIC[/BROADCAST]]] start|stop|status|monitor``.
  start/stop exit 0 or 1; status prints ``running`` or ``stopped`` (exit 0 / 3).
* OCF: ``IPaddr start|stop|monitor|meta-data|validate-all`` with ``OCF_RESKEY_ip``,
  ``cidr_netmask``, ``nic``, ``broadcast``, ``arp_count``, ``arp_interval`` (ms); OCF
  exit codes (monitor 0 running, 7 stopped).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from ha_agents.resources import ipaddr
from ha_agents.resources.ocf import OcfRc

META_DATA = """<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="IPaddr" version="1.0">
<version>1.0</version>
<longdesc lang="en">
Adds a virtual IPv4 address as an alias (NIC:N) of the interface that routes to it,
found from the routing table when not given, and announces it with gratuitous ARP.
Part of ha_agents; also usable as a Heartbeat resource.d script (IPaddr::IP/PREFIX/NIC).
</longdesc>
<shortdesc lang="en">Virtual IPv4 address with gratuitous ARP (ha_agents)</shortdesc>
<parameters>
<parameter name="ip" unique="1" required="1">
<longdesc lang="en">The IPv4 address to add, e.g. 192.0.2.50.</longdesc>
<shortdesc lang="en">IPv4 address</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="cidr_netmask" unique="0" required="0">
<longdesc lang="en">Prefix length (24) or dotted netmask; default: from the route.</longdesc>
<shortdesc lang="en">Netmask</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="nic" unique="0" required="0">
<longdesc lang="en">Interface to add the address to; default: the one routing to ip.</longdesc>
<shortdesc lang="en">Network interface</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="broadcast" unique="0" required="0">
<longdesc lang="en">Broadcast address; default: computed from the prefix.</longdesc>
<shortdesc lang="en">Broadcast address</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="arp_count" unique="0" required="0">
<longdesc lang="en">How many gratuitous ARP announcements to send.</longdesc>
<shortdesc lang="en">ARP count</shortdesc>
<content type="integer" default="5" />
</parameter>
<parameter name="arp_interval" unique="0" required="0">
<longdesc lang="en">Milliseconds between gratuitous ARP announcements.</longdesc>
<shortdesc lang="en">ARP interval (ms)</shortdesc>
<content type="integer" default="200" />
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="stop" timeout="20s" />
<action name="status" timeout="20s" />
<action name="monitor" timeout="20s" interval="10s" depth="0" />
<action name="meta-data" timeout="5s" />
<action name="validate-all" timeout="20s" />
</actions>
</resource-agent>
"""

OCF_ACTIONS = ("start", "stop", "monitor", "status", "meta-data", "validate-all")
HB_ACTIONS = ("start", "stop", "status", "monitor")


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(env.get(name, "") or default)))
    except ValueError:
        return default


def _announcer(env: Mapping[str, str], background: str) -> ipaddr.Announcer:
    from ha_agents.resources.garp import RawGarp

    count = _int(env, "OCF_RESKEY_arp_count", 5, 1, 100)
    interval = _int(env, "OCF_RESKEY_arp_interval", 200, 0, 10000) / 1000
    return RawGarp(count, interval, background=background, still_owned=_present)


def _present(ip: str) -> bool:
    """Is ``ip`` still configured here?  (A fresh netlink socket: safe after fork.)"""
    from ha_agents.resources.netlink import NetlinkAddressManager

    with NetlinkAddressManager() as mgr:
        return mgr.find(ip) is not None


def _manager() -> ipaddr.AddressManager:
    from ha_agents.resources.netlink import NetlinkAddressManager

    return NetlinkAddressManager()


def run_action(
    action: str,
    params: ipaddr.IPaddrParams,
    env: Mapping[str, str],
    mgr: ipaddr.AddressManager,
    background: str = "fork",
) -> ipaddr.Result:
    if action == "start":
        return ipaddr.start(params, mgr, _announcer(env, background))
    if action == "stop":
        return ipaddr.stop(params, mgr)
    if action == "validate-all":
        return ipaddr.validate(params, mgr)
    return ipaddr.status(params, mgr)


def main(
    argv: Sequence[str],
    env: Mapping[str, str],
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    mgr: ipaddr.AddressManager | None = None,
    background: str = "fork",
) -> int:
    """Run the agent; ``background`` is how the later gratuitous ARPs are sent ("fork" in
    a script, "thread" when called inside a long-running process)."""
    args = list(argv[1:])
    if len(args) == 1:
        return _ocf(args[0], env, out, err, mgr, background)
    if len(args) == 2 and args[1] in HB_ACTIONS:
        return _heartbeat(args[0], args[1], env, out, err, mgr, background)
    if len(args) == 2 and args[1] == "meta-data":
        out.write(META_DATA)
        return 0
    print("usage: IPaddr IP[/PREFIX[/NIC[/BROADCAST]]] (start|stop|status|monitor)", file=out)
    print("       IPaddr (start|stop|monitor|meta-data|validate-all)   (OCF)", file=out)
    return 1


def _heartbeat(
    spec: str,
    action: str,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    mgr: ipaddr.AddressManager | None,
    background: str,
) -> int:
    params = ipaddr.parse_heartbeat(spec)
    if isinstance(params, str):
        print(f"ERROR: {params}", file=out)
        return 1
    try:
        res = run_action(action, params, env, mgr or _manager(), background)
    except OSError as exc:
        print(f"ERROR: IPaddr {spec} {action}: {exc}", file=out)
        return 1
    if action == "status":
        print("running" if res.running else "stopped", file=out)
        return 0 if res.running else 3
    if action == "monitor":
        return 0 if res.running else 7
    print(("INFO: " if res.ok else "ERROR: ") + res.message, file=out if res.ok else err)
    return 0 if res.ok else 1


def _ocf(
    action: str,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    mgr: ipaddr.AddressManager | None,
    background: str,
) -> int:
    if action == "meta-data":
        out.write(META_DATA)
        return OcfRc.SUCCESS
    if action not in OCF_ACTIONS:
        print(f"ERROR: unknown action {action!r}", file=err)
        return OcfRc.ERR_UNIMPLEMENTED
    params = ipaddr.parse_ocf(env)
    if isinstance(params, str):
        print(f"ERROR: {params}", file=err)
        return OcfRc.ERR_CONFIGURED
    try:
        res = run_action(action, params, env, mgr or _manager(), background)
    except OSError as exc:
        print(f"ERROR: IPaddr {action}: {exc}", file=err)
        return OcfRc.ERR_GENERIC
    if action in ("monitor", "status"):
        return OcfRc.SUCCESS if res.running else OcfRc.NOT_RUNNING
    print(("INFO: " if res.ok else "ERROR: ") + res.message, file=out if res.ok else err)
    if res.ok:
        return OcfRc.SUCCESS
    return OcfRc.ERR_CONFIGURED if not res.configured else OcfRc.ERR_GENERIC
