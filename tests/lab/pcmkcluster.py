"""A Pacemaker + Corosync cluster in the lab, built from ``ha-agents export pacemaker``
(EDGE: runs the export, corosync-keygen, cibadmin / crm / pcs inside the nodes).

    files = export_pacemaker(n1, "node1", conf_dir, "cib", lab.tmpdir / "pcmk")
    cl = PacemakerCluster.start(lab, {"node1": n1, "node2": n2}, files["corosync.conf"])
    cl.wait_formed(90)
    cl.load("cib", lab.tmpdir / "pcmk")             # as docs/migration.md §2.5 says
    view = cl.wait_view(lambda v: v.where("grp_ip_192.0.2.50") == ("node1",), 60)
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ha_agents.config import search
from tests.lab.cluster import AUTHKEYS, ClusterSpec
from tests.lab.command import ha_agents
from tests.lab.crmmon import ClusterView
from tests.lab.netns import Host, Lab, run_cmd
from tests.lab.pacemaker import PacemakerNode
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

RESOURCE_FILES = {"cib": "cib.xml", "crmsh": "crm.txt", "pcs": "pcs.sh"}
REPO = Path(__file__).resolve().parents[2]


def export_pacemaker(
    host: Host, node: str, config_dir: Path, fmt: str, out_dir: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``ha-agents export pacemaker --format FMT`` run as docs/migration.md §2.1 says: on
    the cluster node ``node`` (``host``'s network namespace, a UTS namespace whose
    hostname is ``node``), so the node finds its own addresses on its interfaces."""
    argv = ha_agents(
        "export", "pacemaker", "--config-dir", str(config_dir), "--format", fmt,
        "--output-dir", str(out_dir), "--force", *extra,
    )  # fmt: skip
    script = f"hostname {shlex.quote(node)} && exec {shlex.join(argv)}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return host.run(["unshare", "--uts", "sh", "-c", script], check=True, timeout=60, env=env)


def corosync_keygen(path: Path) -> bytes:
    """A new key from the real ``corosync-keygen -k PATH`` (never /etc/corosync)."""
    run_cmd(["corosync-keygen", "-k", str(path)], timeout=30)
    return path.read_bytes()


@dataclass
class PacemakerCluster:
    lab: Lab
    nodes: dict[str, PacemakerNode]
    history: list[tuple[str, str]] = field(default_factory=list)  # (what, crm_mon text)

    @classmethod
    def start(
        cls,
        lab: Lab,
        hosts: Mapping[str, Host],
        corosync_conf: str,
        ocf_agents: Mapping[str, Path] | None = None,
        fence_agents: Mapping[str, str] | None = None,
        binds: Mapping[str, Mapping[str, Path]] | None = None,
    ) -> PacemakerCluster:
        """One node per ``hosts`` entry (node name -> host), all with ``corosync_conf``
        and one key; ``binds``: node -> {target: source} extra private bind mounts (every
        node also gets an /etc/hosts naming all nodes)."""
        key = corosync_keygen(lab.tmpdir / "corosync-authkey")
        # node names resolve inside the nodes, as on real clusters (crmsh relies on it)
        etc_hosts = lab.tmpdir / "pcmk-hosts"
        etc_hosts.write_text(
            "127.0.0.1\tlocalhost\n" + "".join(f"{h.ip}\t{n}\n" for n, h in hosts.items())
        )
        mounts = {n: {"/etc/hosts": etc_hosts, **(binds or {}).get(n, {})} for n in hosts}
        nodes = {
            name: PacemakerNode(
                lab, host, name, corosync_conf, key, ocf_agents, fence_agents, mounts[name]
            )
            for name, host in hosts.items()
        }
        cluster = cls(lab, nodes)
        for node in nodes.values():
            node.start()
        return cluster

    def running(self) -> list[PacemakerNode]:
        return [n for n in self.nodes.values() if n.running()]

    def view(self, node: str | None = None) -> ClusterView | None:
        """crm_mon of ``node`` (default: the first running node that answers)."""
        candidates = [self.nodes[node]] if node else self.running()
        for n in candidates:
            v = n.crm_mon()
            if v is not None:
                return v
        return None

    def wait_view(
        self, pred: Callable[[ClusterView], bool], timeout: float, node: str | None = None
    ) -> ClusterView | None:
        """The first view (polled every 0.5 s) for which ``pred`` holds, or None."""
        found: list[ClusterView] = []

        def check() -> bool:
            v = self.view(node)
            if v is not None and pred(v):
                found.append(v)
                return True
            return False

        wait_until(check, timeout, interval=0.5)
        return found[0] if found else None

    def wait_formed(self, timeout: float = 120) -> ClusterView:
        """Every running node sees every running node online, one DC, quorum."""
        want = {n.node for n in self.running()}
        if len(want) < len(self.nodes):
            raise LabError(f"pacemaker nodes exited: {self.diagnose()}")

        def formed(v: ClusterView) -> bool:
            return v.dc is not None and v.quorate and want <= set(v.online)

        views: list[ClusterView] = []

        def all_formed() -> bool:
            if len(self.running()) < len(want):
                raise LabError(f"a pacemaker node exited: {self.diagnose()}")
            views.clear()
            for name in sorted(want):
                v = self.view(name)
                if v is None or not formed(v):
                    return False
                views.append(v)
            return True

        ok = wait_until(all_formed, timeout, interval=1.0)
        if not ok:
            raise LabError(f"pacemaker cluster did not form in {timeout}s: {self.diagnose()}")
        return views[-1]

    def load(self, fmt: str, files: Path, node: str | None = None) -> str:
        """Load the exported resources the way docs/migration.md §2.5 step 3 says."""
        target = self.nodes[node] if node else self.running()[0]
        path = str(files / RESOURCE_FILES[fmt])
        if fmt == "cib":
            argv = ["cibadmin", "--replace", "--scope", "configuration", "--xml-file", path]
        elif fmt == "crmsh":
            argv = ["crm", "configure", "load", "update", path]
        else:
            argv = ["sh", path]
        cp = target.run_in(argv, timeout=120, env={"HOME": str(target.root)})
        if cp.returncode != 0:
            raise LabError(f"{' '.join(argv)} exited {cp.returncode}: {cp.stderr or cp.stdout}")
        return cp.stdout + cp.stderr

    def snapshot(self, what: str, node: str | None = None) -> str:
        """``crm_mon -1 -r`` text, kept in :attr:`history` for the report."""
        target = self.nodes[node] if node else self.running()[0]
        text = target.crm_mon_text()
        self.history.append((what, text))
        return text

    def diagnose(self) -> str:
        parts = []
        for n in self.nodes.values():
            parts.append(
                f"== {n.node} running={n.running()}\n{n.stderr()[-800:]}\n"
                f"{n.log()[-1500:]}\n{n.corosync_log()[-800:]}"
            )
        return "\n".join(parts)


def web_binds(lab: Lab, nodes: Iterable[str]) -> dict[str, dict[str, Path]]:
    """Private /var/www/html (index.html = the node name, so the client sees who
    answers) and /var/log/lighttpd per node, for ``PacemakerCluster.start(binds=...)``."""
    binds: dict[str, dict[str, Path]] = {}
    for node in nodes:
        www = lab.tmpdir / f"www-{node}"
        www.mkdir()
        (www / "index.html").write_text(node)
        log = lab.tmpdir / f"lighttpd-log-{node}"
        log.mkdir()
        shutil.chown(log, "www-data", "www-data")
        binds[node] = {"/var/www/html": www, "/var/log/lighttpd": log}
    return binds


def our_agents() -> dict[str, Path]:
    """ha_agents' own agents (resource.d/), for ``ocf:ha_agents:NAME``."""
    agents = Path(search.package_agents_dir())
    return {name: agents / name for name in ("IPaddr", "httpd", "redis")}


def pacemaker_pair(lab: Lab, hosts: Mapping[str, Host], spec: ClusterSpec) -> PacemakerCluster:
    """``spec``'s cluster (the files Heartbeat and ha_agents read) exported on its first
    node as a CIB and run by Pacemaker on ``hosts``; returns once the group runs at home
    (for bench/failover.py, beside Heartbeat and ha_agents on the same spec)."""
    conf = lab.tmpdir / "pcmk-etc-ha.d"
    conf.mkdir()
    (conf / "ha.cf").write_text(spec.ha_cf())
    (conf / "haresources").write_text(spec.haresources())
    (conf / "authkeys").write_text(AUTHKEYS)
    (conf / "authkeys").chmod(0o600)
    home = spec.group_home
    out = lab.tmpdir / "pcmk-export"
    export_pacemaker(hosts[home], home, conf, "cib", out)
    cluster = PacemakerCluster.start(lab, hosts, (out / "corosync.conf").read_text())
    cluster.wait_formed(120)
    cluster.load("cib", out)
    group = f"grp_ip_{spec.vip}"
    if cluster.wait_view(lambda v: v.where(group) == (home,), 90) is None:
        raise LabError(f"group {group} did not start on {home}: {cluster.snapshot('no start')}")
    return cluster
