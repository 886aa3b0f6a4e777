"""A two-node ha_agents web cluster in the lab for resource monitoring: the group
``IPaddr::VIP httpd::lighttpd::CONF`` (our httpd agent running a real lighttpd), one
config for both nodes (each node's lighttpd serves its own node name: the document root
comes from the daemon's environment), a client polling the VIP.  Used by
tests/failover/test_netns_monitor.py and bench/monitor.py.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ha_agents.daemon.control import request, socket_path
from tests.lab import procs
from tests.lab.cluster import ClusterSpec, LabNode, vip_holders
from tests.lab.netns import Host, Lab
from tests.lab.poller import HttpPoller
from tests.lab.waiting import wait_until

NODES = ("node1", "node2")
VIP = "192.0.2.50"


def lighttpd_conf(root: Path) -> Path:
    conf = root / "lighttpd.conf"
    conf.write_text(
        "server.document-root = env.LAB_WWW\n"
        "server.port = 80\n"
        'index-file.names = ("index.html")\n'
        'server.errorlog = env.LAB_WWW + "/../lighttpd-error.log"\n'
    )
    return conf


@dataclass
class WebCluster:
    lab: Lab
    spec: ClusterSpec
    hosts: dict[str, Host]
    nodes: dict[str, LabNode]
    client: Host
    web: str  # the httpd resource as haresources writes it
    poller: HttpPoller | None = field(default=None)

    @classmethod
    def build(
        cls,
        lab: Lab,
        failover_cf: str,
        keepalive_ms: int = 200,
        deadtime_ms: int = 2000,
        scripts: dict[str, str] | None = None,
    ) -> WebCluster:
        """``scripts``: heartbeat-class ``resource.d`` scripts (name -> text), each added to
        the group after the web server as ``NAME::<lab dir>``."""
        conf = lighttpd_conf(lab.tmpdir)
        web = f"httpd::lighttpd::{conf}"
        extra = tuple(f"{name}::{lab.tmpdir}" for name in scripts or {})
        addrs = {n: f"192.0.2.{11 + i}" for i, n in enumerate(NODES)}
        spec = ClusterSpec(
            addrs,
            keepalive_ms=keepalive_ms,
            deadtime_ms=deadtime_ms,
            vip=VIP,
            extra_resources=(web, *extra),
            media="ucast",
            failover_cf=failover_cf,
        )
        hosts = {n: lab.add_host(n[0] + n[-1], f"{a}/24") for n, a in addrs.items()}
        nodes = {}
        for name, host in hosts.items():
            node = LabNode(lab, host, name, spec)
            www = node.root / "www"
            www.mkdir()
            (www / "index.html").write_text(name)
            state = node.root / "rsctmp"
            state.mkdir()
            node.env = {"LAB_WWW": str(www), "HA_AGENTS_STATE_DIR": str(state)}
            for script, text in (scripts or {}).items():
                path = node.config_dir / "resource.d" / script
                path.parent.mkdir(exist_ok=True)
                path.write_text(text)
                path.chmod(0o755)
            nodes[name] = node
        client = lab.add_client("c", "192.0.2.100/24")
        return cls(lab, spec, hosts, nodes, client, web)

    # -- life ------------------------------------------------------------------------
    def start(self, timeout: float = 40.0) -> None:
        for node in self.nodes.values():
            node.start()
        self.poller = HttpPoller(self.client, f"http://{VIP}/", interval=0.02, timeout=0.3)
        self.poller.start()
        if not self.poller.wait_ok(timeout, backend="node1"):
            raise AssertionError(f"node1 never served the VIP:\n{self.logs()}")
        assert wait_until(lambda: self.settled("node1"), 20), self.logs()

    def settled(self, owner: str) -> bool:
        docs = [self.doc(n) for n in NODES]
        ok = all(d.get("resources", {}).get("rscstatus") not in (None, "transition") for d in docs)
        return ok and vip_holders(self.hosts.values(), VIP) == [self.hosts[owner].name]

    def doc(self, node: str) -> dict[str, Any]:
        """The status document (``status --json``), asked in-process on the socket."""
        reply = request(socket_path(self.nodes[node].run_dir), {"cmd": "status"})
        doc = reply.get("status") if reply else None
        return doc if isinstance(doc, dict) else {}

    def monitor_row(self, node: str) -> dict[str, Any]:
        rows = self.doc(node).get("resources", {}).get("monitors", [])
        return next((r for r in rows if r["resource"] == self.web), {})

    # -- the web server ------------------------------------------------------------------
    def holder(self) -> list[str]:
        """The nodes carrying the VIP now."""
        names = {h.name: n for n, h in self.hosts.items()}
        return [names[h] for h in vip_holders(self.hosts.values(), VIP)]

    def web_pid(self, node: str) -> int | None:
        for path in (self.nodes[node].root / "rsctmp").glob("httpd-lighttpd-*.pid"):
            text = path.read_text().strip()
            if text.isdigit() and procs.alive(int(text)):
                return int(text)
        return None

    def kill_web(self, node: str, sig: int = signal.SIGKILL) -> int:
        pid = self.web_pid(node)
        assert pid is not None, f"no lighttpd running on {node}"
        procs.send(pid, sig)
        return pid

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{node.log()[-6000:]}" for n, node in self.nodes.items())

    def log_lines(self, node: str, text: str) -> list[str]:
        return [line for line in self.nodes[node].log().splitlines() if text in line]
