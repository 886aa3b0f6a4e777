"""Lab clusters for the client-API tests: ha.cf with ping nodes and client programs,
ha_agents nodes (tests/api/node.py) and real Heartbeat nodes side by side."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.api.node import AgentsNode
from tests.lab.heartbeat import HeartbeatNode, make_ha_cf
from tests.lab.netns import Host, Lab
from tests.lab.waiting import wait_until

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
PING = "192.0.2.1"  # the lab bridge's own address
IPFAIL = "/usr/libexec/heartbeat/ipfail"
DOPD = "/usr/libexec/heartbeat/dopd"
API_TEST = "/usr/libexec/heartbeat/api_test"
AS_HACLUSTER = ["setpriv", "--reuid=hacluster", "--regid=haclient", "--init-groups"]

Node = AgentsNode | HeartbeatNode


def ha_cf(extra: str = "", auto_failback: str = "on") -> str:
    return make_ha_cf(
        NODES, keepalive="200ms", deadtime="2", initdead="4", auto_failback=auto_failback,
        extra=extra,
    )  # fmt: skip


def hosts(lab: Lab) -> tuple[Host, Host]:
    return lab.add_host("n1", "192.0.2.11/24"), lab.add_host("n2", "192.0.2.12/24")


def start(lab: Lab, host: Host, name: str, kind: str, cf: str, haresources: str) -> Node:
    node: Node
    if kind == "agents":
        node = AgentsNode(lab, host, name, cf, haresources)
    else:
        node = lab.add_heartbeat_node(host, name, cf, haresources=haresources)
    node.start()
    return node


def child_pid(node: Node, name: str) -> int | None:
    if isinstance(node, AgentsNode):
        return node.child_pid(name)
    for pid in node.pids():
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if argv0.decode(errors="replace").endswith("/" + name):
            return pid
    return None


def cut_ping(host: Host) -> None:
    """The host loses its path to the ping node (its echo requests are dropped)."""
    for rule in (
        "add table inet apicut",
        "add chain inet apicut o { type filter hook output priority 0 ; }",
        f"add rule inet apicut o ip daddr {PING} drop",
    ):
        host.run(["nft", *rule.split()], check=True)


def silence_ping_node(lab: Lab) -> None:
    """The ping node stops answering everyone at the same instant (its own input drops
    echo requests): every node loses it together."""
    for rule in (
        "add table inet apiping",
        "add chain inet apiping i { type filter hook input priority 0 ; }",
        "add rule inet apiping i icmp type echo-request drop",
    ):
        lab.bridge.run(["nft", *rule.split()], check=True)


def heal_ping(host: Host) -> None:
    host.run(["nft", "delete", "table", "inet", "apicut"], check=False)


def has_vip(host: Host, vip: str) -> bool:
    return any(a.startswith(vip + "/") for a in host.addresses())


def wait_vip(host: Host, vip: str, timeout: float) -> float | None:
    t0 = time.monotonic()
    if wait_until(lambda: has_vip(host, vip), timeout=timeout, interval=0.1):
        return time.monotonic() - t0
    return None


def cl_status(node: Node, *args: str) -> subprocess.CompletedProcess[str]:
    return node.cl_status(*args)
