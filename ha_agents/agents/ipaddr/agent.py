"""IPaddr on the agent SDK: a virtual IPv4 address with gratuitous ARP.

The one implementation behind ``resource.d/IPaddr`` (as a script) and
:mod:`ha_agents.agents.ipaddr.inprocess` (the same agent called inside the daemon).
A declarative front for the address logic (:mod:`ha_agents.agents.ipaddr.logic`: plan,
add, remove, status over an AddressManager port; netlink and the raw-socket ARP
announcer at the edges).  The SDK adds the conventions (heartbeat-class, LSB, OCF),
generated meta-data, typed parameters, logging and the start/stop checks.

heartbeat-class: ``IPaddr::IP[/PREFIX[/NIC[/BROADCAST]]]`` (one argument, as Heartbeat's);
OCF: ``OCF_RESKEY_ip``, ``cidr_netmask``, ``nic``, ``broadcast``, ``arp_count``,
``arp_interval``.  pyroute2 is imported only by actions that touch the kernel, so
``meta-data`` runs with any Python that sees ha_agents.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import ClassVar

from ha_agents.agent import (
    Agent,
    GenericError,
    Integer,
    NotConfigured,
    Running,
    Stopped,
    String,
)
from ha_agents.agents.ipaddr import logic


class IPaddr(Agent):
    """Adds a virtual IPv4 address as an alias (NIC:N) of the interface that routes to it
    (found from the routing table when not given) and announces it with gratuitous ARP.
    Also a Heartbeat resource.d script: IPaddr::IP[/PREFIX[/NIC[/BROADCAST]]].
    """

    name = "IPaddr"
    version = "1.0"
    shortdesc = "Virtual IPv4 address with gratuitous ARP (ha_agents)"
    positional = ("ip",)

    #: How the announcements after the first go out: "fork" (a script: a detached child,
    #: so the caller's pipes close at once) or "thread" (inside a long-running process).
    arp_background: ClassVar[str] = "fork"

    ip = String(
        required=True,
        unique=True,
        description="The IPv4 address, e.g. 192.0.2.50; the heartbeat-class form "
        "IP/PREFIX/NIC/BROADCAST is accepted too.",
        shortdesc="IPv4 address",
    )
    cidr_netmask = String(
        default="", description="Prefix length (24) or dotted netmask; default: from the route."
    )
    nic = String(default="", description="Interface; default: the one routing to ip.")
    broadcast = String(default="", description="Broadcast address; default: from the prefix.")
    arp_count = Integer(
        default=5, minimum=1, maximum=100, description="Gratuitous ARP announcements to send."
    )
    arp_interval = Integer(
        default=200, minimum=0, maximum=10000, description="Milliseconds between announcements."
    )

    @classmethod
    def bound(
        cls, mgr: logic.AddressManager | None = None, arp_background: str = "fork"
    ) -> type[IPaddr]:
        """This agent using ``mgr`` (owned by the caller) instead of a netlink socket per
        action, and sending later announcements with ``arp_background``."""
        attrs: dict[str, object] = {"arp_background": arp_background}
        if mgr is not None:
            attrs["addresses"] = lambda self: contextlib.nullcontext(mgr)
        return type(cls.__name__, (cls,), attrs)

    def addresses(self) -> AbstractContextManager[logic.AddressManager]:
        """The address port: a netlink socket on the current network namespace."""
        from ha_agents.agents.ipaddr.netlink import NetlinkAddressManager

        return NetlinkAddressManager()

    def address(self) -> logic.IPaddrParams:
        if "/" in self.ip and not (self.cidr_netmask or self.nic or self.broadcast):
            parsed = logic.parse_heartbeat(self.ip)
        else:
            parsed = logic.parse_ocf(
                {
                    "OCF_RESKEY_ip": self.ip,
                    "OCF_RESKEY_cidr_netmask": self.cidr_netmask,
                    "OCF_RESKEY_nic": self.nic,
                    "OCF_RESKEY_broadcast": self.broadcast,
                }
            )
        if isinstance(parsed, str):
            raise NotConfigured(parsed)
        return parsed

    def validate(self) -> None:
        address = self.address()
        if self.context.action == "start":
            # start plans the interface itself (same NotConfigured when there is none):
            # asking the kernel twice would only slow down a failover.
            return
        with self.addresses() as mgr:
            _check(logic.validate(address, mgr))

    def start(self) -> None:
        from ha_agents.agents.ipaddr.garp import RawGarp

        announcer = RawGarp(
            self.arp_count,
            self.arp_interval / 1000,
            background=self.arp_background,
            still_owned=_present,
        )
        with self.addresses() as mgr:
            self.log.info("%s", _check(logic.start(self.address(), mgr, announcer)).message)

    def stop(self) -> None:
        with self.addresses() as mgr:
            self.log.info("%s", _check(logic.stop(self.address(), mgr)).message)

    def monitor(self, depth: int) -> Running | Stopped:
        with self.addresses() as mgr:
            res = _check(logic.status(self.address(), mgr))
        return Running(res.message) if res.running else Stopped(res.message)


def _check(res: logic.Result) -> logic.Result:
    if not res.ok:
        raise (GenericError if res.configured else NotConfigured)(res.message)
    return res


def _present(ip: str) -> bool:
    """Is ``ip`` still configured here?  (A fresh netlink socket: safe after fork.)"""
    from ha_agents.agents.ipaddr.rtnl import RtnlAddressManager

    with RtnlAddressManager() as mgr:
        return mgr.find(ip) is not None
