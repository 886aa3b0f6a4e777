"""test-agent on an address agent: never put a service address on a machine by surprise.

``ha-agents test-agent IPaddr::192.0.2.50/24/eth0`` adds the address to this machine,
announces it with gratuitous ARP (clients of the cluster then come here) and removes it.
Run on a cluster node with the service address, that is an outage.  So an address
agent (IPaddr, IPaddr2, a bare address, ocf:heartbeat:IPaddr/IPaddr2) is tested only:

* when the address is not configured on this machine (a stop would remove a live one:
  refused, even with ``--yes``), and
* in a network namespace of its own (``ip netns exec NS ha-agents test-agent ...``,
  the lab), or with ``--yes`` (a spare address, on purpose).
"""

from __future__ import annotations

import ipaddress
import os
import socket

import psutil

from ha_agents.resources.agents import Agent, AgentClass

ADDRESS_AGENTS = frozenset({"IPaddr", "IPaddr2"})


def service_address(agent: Agent) -> str | None:
    """The IPv4 address an address agent would configure, else None."""
    if agent.cls is AgentClass.OCF:
        if agent.name not in ADDRESS_AGENTS:
            return None
        values = dict(agent.ocf_env)
        text = values.get("OCF_RESKEY_ip", "")
    elif agent.name in ADDRESS_AGENTS and agent.args:
        text = agent.args[0].split("/", 1)[0]
    else:
        return None
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def own_network_namespace() -> bool:
    """True when this process runs in another network namespace than the one it was
    started from (``ip netns exec NS ...``, a lab): an ancestor's namespace differs."""
    try:
        mine = os.stat("/proc/self/ns/net").st_ino
        for parent in psutil.Process().parents():
            if parent.pid <= 1:
                break
            if os.stat(f"/proc/{parent.pid}/ns/net").st_ino != mine:
                return True
    except (OSError, psutil.Error):
        return False
    return False


def configured_here(address: str) -> str | None:
    """The interface that holds ``address`` on this machine, else None."""
    for ifname, addrs in psutil.net_if_addrs().items():
        if any(a.family == socket.AF_INET and a.address == address for a in addrs):
            return str(ifname)
    return None


def refusal(agent: Agent, yes: bool) -> str | None:
    """Why test-agent must not run this agent here (None: go ahead)."""
    address = service_address(agent)
    if address is None:
        return None
    where = configured_here(address)
    if where is not None:
        return (
            f"{address} is already configured on {where} of this machine (a live service "
            "address?): the test's stop would remove it; test with a spare address"
        )
    if yes or own_network_namespace():
        return None
    return (
        f"this test adds {address} to this machine and announces it (gratuitous ARP): "
        "clients of a cluster using it would come here.  Use a spare address and add "
        "--yes, or run it in a network namespace (ip netns exec NS ha-agents test-agent ...)"
    )
