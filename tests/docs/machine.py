"""Where the docs' command blocks run: throwaway machines in a lab namespace.

A :class:`DocMachine` is this machine's / seen through an overlay (tests/packaging/
overlayroot.py: every write goes to a tmpfs and vanishes at close), with its own
hostname (a node name of conf/), a fresh /run and /tmp, ``/etc/ha.d`` replaced by a copy
of conf/ (authkeys 0600), ``ha-agents`` installed as ``/usr/bin/ha-agents`` (this
checkout's command, or ``$HA_AGENTS_BIN``), and its network in a lab host (eth0 with the
node's address of conf/).  The host's /etc/ha.d, /run and /var/lib/heartbeat are never
written.

A line of a block that starts the daemon in the foreground (``ha-agents run ...``) is
started in the background; the block goes on once the node is active.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from tests.lab import Host, Lab, wait_until
from tests.packaging.overlayroot import OverlayRoot

REPO = Path(__file__).resolve().parents[2]
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}  # conf/ha.cf
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RUN_LINE = re.compile(r"^(\s*)(ha-agents run\b[^#]*?)\s*(#.*)?$", re.M)
WAIT_ACTIVE = (
    "for _ in $(seq 300); do ha-agents status --json 2>/dev/null | grep -q "
    '\'"status": "active"\' && break; sleep 0.1; done'
)


def _ha_agents_command() -> str:
    configured = os.environ.get("HA_AGENTS_BIN", "").strip()
    if configured:
        return configured
    script = Path(sys.executable).with_name("ha-agents")
    return str(script) if script.exists() else f"{sys.executable} -m ha_agents"


def background_daemon_lines(body: str) -> str:
    """``ha-agents run ...`` -> started in the background, then wait until active."""
    return RUN_LINE.sub(
        lambda m: f"{m[1]}{m[2]} >/var/log/ha-agents-run.out 2>&1 &\n{m[1]}{WAIT_ACTIVE}", body
    )


class DocMachine:
    def __init__(self, lab: Lab, node: str) -> None:
        self.node = node
        self.host: Host = lab.add_host(node[:1] + node[-1], f"{NODES[node]}/24")
        self.root = OverlayRoot(hostname=node)
        lab.on_close(self.close)
        self.daemon: subprocess.Popen[bytes] | None = None
        command = _ha_agents_command()
        target = command if " " not in command else ""
        install = (
            f"ln -sf {shlex.quote(target)} /usr/bin/ha-agents"
            if target
            else f"printf '#!/bin/sh\\nexec {command} \"$@\"\\n' > /usr/bin/ha-agents; "
            "chmod 755 /usr/bin/ha-agents"
        )
        self.sh(
            "set -e; rm -rf /etc/ha.d; mkdir -p /etc/ha.d; "
            f"cp -r {shlex.quote(str(REPO / 'conf'))}/. /etc/ha.d/; chmod 600 /etc/ha.d/authkeys; "
            f"rm -rf /var/lib/heartbeat/hb_generation /var/lib/heartbeat/hb_uuid; {install}",
            check=True,
        )

    def sh(
        self, script: str, check: bool = False, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``script`` in bash inside the machine, as root in /root, on its network."""
        env = {"HOME": "/root", "PATH": PATH, "TERM": "dumb"}
        argv = ["bash", "-c", f"cd /root && {script}"]
        return self.root.run(argv, netns=self.host.netns, env=env, timeout=timeout, check=check)

    def start_daemon(self) -> None:
        """``ha-agents run`` as the unit would, in the background (killed at close)."""
        argv = ["env", "-i", f"PATH={PATH}", "HOME=/root", "ha-agents", "run"]
        self.daemon = subprocess.Popen(
            self.root.argv(argv, self.host.netns),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def active(self) -> bool:
        r = self.sh("ha-agents status --json", timeout=20)
        return r.returncode == 0 and '"status": "active"' in r.stdout

    def settled(self) -> bool:
        """Active, and no group of this node is starting or stopping (rscstatus)."""
        r = self.sh("ha-agents status rscstatus", timeout=20)
        return self.active() and r.returncode == 0 and r.stdout.strip() != "transition"

    def close(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait(timeout=10)
        self.root.close()


def cluster(lab: Lab, start: tuple[str, ...] = tuple(NODES)) -> dict[str, DocMachine]:
    """node1 and node2 of conf/; those in ``start`` run ``ha-agents run``, are active and
    have settled their groups (as a reader runs a block on a cluster that is up)."""
    machines = {name: DocMachine(lab, name) for name in NODES}
    for name in start:
        machines[name].start_daemon()
    for name in start:
        assert wait_until(machines[name].settled, 30, interval=0.2), f"{name} did not settle"
    return machines
