"""A two-node ha_agents cluster in the lab for the reliability tests and bench/faults.py:
node1 on n1 (192.0.2.11, home of VIP 192.0.2.50), node2 on n2 (192.0.2.12), an attacker
or client host x (192.0.2.99), real ``ha-agents run`` daemons (failover_io.labcluster),
plus an owner watcher that samples who holds the VIP."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ha_agents.daemon.control import request, socket_path
from tests.lab import Host, Lab, wait_until
from tests.lab.cluster import AUTH_KEY, ClusterSpec, LabNode, vip_holders

VIP = "192.0.2.50"
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
ATTACKER = "192.0.2.99"
#: authkeys of both nodes: sign with sha1; a crc and an md5 entry are also listed
#: (a crc line left over from an old setup is Heartbeat's downgrade hole).
AUTHKEYS = f"auth 1\n1 sha1 {AUTH_KEY}\n2 crc\n3 md5 other-md5-key\n4 sha1 other-sha1-key\n"


@dataclass
class Cluster:
    lab: Lab
    spec: ClusterSpec
    h1: Host
    h2: Host
    x: Host
    n1: LabNode
    n2: LabNode
    nodes: dict[str, LabNode] = field(default_factory=dict)

    def holders(self) -> list[str]:
        return vip_holders([self.h1, self.h2], VIP)

    def holders_strict(self) -> list[str] | None:
        """Like :meth:`holders`, but None when a host could not be asked (``ip`` failed,
        e.g. under heavy load), so that a failed probe is never read as "no owner"."""
        out = []
        for h in (self.h1, self.h2):
            res = h.run(["ip", "-o", "-4", "addr", "show"], check=False, timeout=5)
            if res.returncode != 0 or " inet " not in res.stdout:
                return None
            if any(f" {VIP}/" in line for line in res.stdout.splitlines()):
                out.append(h.name)
        return out

    def wait_holders(self, want: list[str], timeout: float) -> bool:
        return wait_until(lambda: self.holders() == want, timeout, interval=0.02)

    def doc(self, node: LabNode) -> dict[str, Any]:
        """The node's ``status --json`` document over its control socket ({} if down)."""
        reply = request(socket_path(node.run_dir), {"cmd": "status"}, timeout=2)
        doc = reply.get("status") if reply else None
        return doc if isinstance(doc, dict) else {}

    def peer_status(self, node: LabNode, peer: str) -> str | None:
        for n in self.doc(node).get("nodes", []):
            if n.get("name") == peer:
                return str(n.get("status"))
        return None

    def dropped(self, node: LabNode) -> dict[str, int]:
        """What the node refused, by reason: ``dropped`` plus ``events`` (an already-seen
        datagram, i.e. a replay within the generation, counts as the event ``duplicate``:
        with two links every packet is one, so it is not a drop; status/counters.py)."""
        doc = self.doc(node)
        return {**(doc.get("dropped") or {}), **(doc.get("events") or {})}

    def kernel_drops(self, node: LabNode) -> int:
        """Datagrams the kernel dropped for the node's heartbeat sockets (its peer filter,
        daemon/peerfilter.py, and full queues)."""
        links = self.doc(node).get("peer_filter") or {}
        return sum(int(v.get("kernel_drops") or 0) for v in links.values())

    def no_peer_filter(self) -> None:
        """failover.cf ``peer_filter off`` on both nodes (before they start): every
        datagram reaches the daemons' own checks."""
        for node in (self.n1, self.n2):
            (node.config_dir / "failover.cf").write_text("peer_filter off\n")


def make_node(lab: Lab, host: Host, name: str, spec: ClusterSpec, authkeys: str) -> LabNode:
    node = LabNode(lab, host, name, spec)
    keys = node.config_dir / "authkeys"
    keys.write_text(authkeys)
    keys.chmod(0o600)
    return node


def start_cluster(
    lab: Lab,
    spec: ClusterSpec | None = None,
    authkeys: str = AUTHKEYS,
    before: Any = None,
    timeout: float = 15.0,
) -> Cluster:
    """Both nodes up, the VIP on n1.  ``before(cluster)`` runs after the hosts and nodes
    exist but before the daemons start (e.g. to capture a first generation)."""
    spec = spec or ClusterSpec(NODES)
    h1 = lab.add_host("n1", "192.0.2.11/24")
    h2 = lab.add_host("n2", "192.0.2.12/24")
    x = lab.add_host("x", f"{ATTACKER}/24")
    n1 = make_node(lab, h1, "node1", spec, authkeys)
    n2 = make_node(lab, h2, "node2", spec, authkeys)
    c = Cluster(lab, spec, h1, h2, x, n1, n2, {"node1": n1, "node2": n2})
    if before is not None:
        before(c)
    n1.start()
    n2.start()
    ok = c.wait_holders(["n1"], timeout) and wait_until(
        lambda: c.peer_status(n2, "node1") == "active" and c.peer_status(n1, "node2") == "active",
        timeout,
    )
    assert ok, n1.log()[-2000:] + n2.log()[-2000:]
    return c


class OwnerWatch:
    """Samples the VIP holders every ``interval`` s in a thread: the most owners at once,
    how long two owners lasted (longest stretch), and when ownership last changed."""

    def __init__(self, cluster: Cluster, interval: float = 0.05) -> None:
        self.c = cluster
        self.interval = interval
        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OwnerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        deadline = time.monotonic() + 600  # bounded
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                got = self.c.holders_strict()
            except Exception:  # a namespace going away at the end
                got = None
            if got is not None:
                self.samples.append((time.monotonic(), tuple(got)))
            self._stop.wait(self.interval)

    def max_owners(self, since: float = 0.0) -> int:
        return max((len(h) for t, h in self.samples if t >= since), default=0)

    def longest_dual(self, since: float = 0.0) -> float:
        """Longest time two nodes held the VIP together (seconds, from the samples)."""
        longest, start = 0.0, None
        for t, h in self.samples:
            if t < since:
                continue
            if len(h) >= 2:
                start = t if start is None else start
                longest = max(longest, t - start + self.interval)
            else:
                start = None
        return longest

    def ever_empty_after(self, since: float) -> bool:
        return any(len(h) == 0 for t, h in self.samples if t >= since)
