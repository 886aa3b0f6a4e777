"""The audits run after every step (CTS's ClusterAudit + its BadNews log watch).

Each returns a list of problems (empty: passed):
* ``owners``: exactly one VIP owner, on a node that should be up; none when every node
  is down (the holders of a powered-off host do not count: it is off);
* ``client``: once settled, the client gets an answer from the owner's web server;
* ``logs``: no ERROR/CRIT line since the step began that the step does not explain
  (tests/cts/logrules.py);
* ``daemons``: every node that should be up runs; every node that should be down has
  no process left.
"""

from __future__ import annotations

from tests.cts import logrules
from tests.cts.cluster import VIP, CtsCluster

CLIENT_DEADLINE_S = 5.0


def owners(c: CtsCluster) -> list[str]:
    holders = c.holders()
    if holders is None:
        return ["owners: cannot read the hosts' addresses"]
    up = c.up_nodes()
    if not up:
        return [f"owners: VIP on {holders} while every node is down"] if holders else []
    if len(holders) != 1:
        return [f"owners: VIP on {holders or 'no node'} (up: {', '.join(up)})"]
    if holders[0] not in up:
        return [f"owners: VIP on {holders[0]}, which should be down"]
    return []


def client(c: CtsCluster, after: float) -> list[str]:
    if not c.up_nodes():
        return []
    holders = c.holders() or []
    if len(holders) != 1:
        return []  # owners() said it
    owner = holders[0]
    if not c.served(CLIENT_DEADLINE_S, after=after, backend=owner):
        return [
            f"client: no answer from the owner {owner} within {CLIENT_DEADLINE_S:.0f} s "
            f"({_arp(c, owner)})"
        ]
    return []


def _arp(c: CtsCluster, owner: str) -> str:
    """What the client's ARP entry for the VIP says, beside the owner's MAC address."""
    assert c.client is not None
    neigh = c.client.run(["ip", "neigh", "show", VIP], check=False, timeout=5).stdout.split()
    link = c.hosts[owner].run(["ip", "-o", "link", "show", "eth0"], check=False, timeout=5)
    words = link.stdout.split()
    mac = words[words.index("link/ether") + 1] if "link/ether" in words else "?"
    seen = neigh[neigh.index("lladdr") + 1] if "lladdr" in neigh else "none"
    return f"client ARP for the VIP: {seen} ({neigh[-1] if neigh else '-'}); {owner}: {mac}"


def logs(c: CtsCluster, kind: str, marks: dict[str, int]) -> list[str]:
    out = []
    for name, node in c.nodes.items():
        text = node.log()[marks.get(name, 0) :]
        for line in logrules.unexplained(c.system, kind, logrules.bad_lines(text)):
            out.append(f"log {name}: {line.strip()}")
    return out


def daemons(c: CtsCluster) -> list[str]:
    out = []
    for name, node in c.nodes.items():
        if c.up[name] and not node.running():
            out.append(f"daemons: {name} should run but is gone")
        elif not c.up[name] and node.running():
            out.append(f"daemons: {name} should be down but runs")
    return out
