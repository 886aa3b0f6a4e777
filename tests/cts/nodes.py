"""The one small interface the CTS harness drives, for an ha_agents node and for a real
Heartbeat 3.0.6 node, and the web server both run as a heartbeat-class resource.

Both kinds get the same files: ha.cf and haresources from one ``ClusterSpec``
(tests/lab/cluster.py), the group ``node1 IPaddr::VIP/24/eth0 ctsweb``, and the script
``resource.d/ctsweb`` that starts ``tests.lab.httpserver`` answering the node's name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Protocol

from ha_agents.daemon.control import request, socket_path
from ha_agents.status.clstatus import answer
from tests.lab import procs
from tests.lab.cluster import AUTHKEYS, ClusterSpec, LabNode
from tests.lab.heartbeat import HeartbeatNode
from tests.lab.netns import Host, Lab
from tests.lab.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
WEB = "ctsweb"
HB_STANDBY = "/usr/share/heartbeat/hb_standby"

WEB_SCRIPT = """#!/bin/sh
# ctsweb: the CTS web server (answers its node name on port 80), heartbeat class.
PIDF={pidfile}
READY={ready}
# alive and not a zombie (an orphan waits for PID 1 to reap it)
running() {{
  p=$(cat "$PIDF" 2>/dev/null) && [ -n "$p" ] && [ -r "/proc/$p/status" ] &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status"
}}
case "$1" in
start)
  running && exit 0
  rm -f "$READY"
  PYTHONPATH={repo} {python} -m tests.lab.httpserver --name {name} --ready "$READY" \\
    >>{log} 2>&1 </dev/null &
  echo $! > "$PIDF"
  i=0
  while [ ! -e "$READY" ] && [ $i -lt 200 ] && running; do sleep 0.05; i=$((i+1)); done
  [ -e "$READY" ] ;;
stop)
  sleep {stop_delay}
  if running; then
    kill "$(cat "$PIDF")"
    i=0
    while running && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
    running && kill -9 "$(cat "$PIDF")"
  fi
  rm -f "$PIDF"
  exit 0 ;;
status)
  if running; then echo running; else echo stopped; fi ;;
esac
exit 0
"""


#: Resource monitoring of the web server on the ha_agents nodes (issue 17): checked every
#: second, restarted in place up to 3 times a minute, then handed to the peer.
MONITOR_CF = f"monitor {WEB} interval=1 timeout=3 restarts=3 window=60\n"


class CtsNode(Protocol):
    """What the harness needs from a cluster node, whatever implements it."""

    name: str  # the cluster node name (node1, node2)
    host: Host

    def start(self) -> None: ...  # launch; returns at once
    def stop(self, timeout: float) -> bool: ...  # orderly (SIGTERM); True if it exited
    def kill(self, sig: int) -> list[int]: ...  # every process of the node
    def running(self) -> bool: ...  # the daemon is alive
    def standby(self) -> str: ...  # hb_standby; its output
    def rscstatus(self) -> str | None: ...  # cl_status rscstatus; None: no answer
    def nodestatus(self, peer: str) -> str | None: ...  # cl_status nodestatus PEER
    def log(self) -> str: ...


class WebResource:
    """Where a node's ``ctsweb`` keeps its pid file; what it does on a power loss."""

    def __init__(self, root: Path, name: str, stop_delay_s: float = 0.0) -> None:
        self.stop_delay_s = stop_delay_s  # a service that takes this long to stop
        self.pidfile = root / "ctsweb.pid"
        self.ready = root / "ctsweb.ready"
        self.logfile = root / "ctsweb.log"
        self.name = name

    def script(self) -> str:
        return WEB_SCRIPT.format(
            pidfile=self.pidfile, ready=self.ready, repo=REPO, python=sys.executable,
            name=self.name, log=self.logfile, stop_delay=f"{self.stop_delay_s:g}",
        )  # fmt: skip

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def forget(self) -> None:
        """The machine rebooted: its run-time files are gone."""
        self.pidfile.unlink(missing_ok=True)
        self.ready.unlink(missing_ok=True)


class AgentsNode:
    """An ha_agents node (``ha-agents run``), asked over its control socket."""

    kind = "ha_agents"

    def __init__(
        self, lab: Lab, host: Host, name: str, spec: ClusterSpec, web_stop_s: float = 0.0
    ) -> None:
        self.name, self.host = name, host
        self.node = LabNode(lab, host, name, spec)
        self.web = WebResource(self.node.root, name, web_stop_s)
        (self.node.config_dir / "failover.cf").write_text(MONITOR_CF)
        rd = self.node.config_dir / "resource.d"
        rd.mkdir(exist_ok=True)
        (rd / WEB).write_text(self.web.script())
        (rd / WEB).chmod(0o755)

    def start(self) -> None:
        n = self.node
        if n._proc is not None and n._proc.poll() is not None:
            n._proc = None  # reaped: its PID (= the group ID) may be someone else's now
        (n.run_dir / "ha-agents.sock").unlink(missing_ok=True)  # left by a SIGKILL
        n.start()

    def stop(self, timeout: float) -> bool:
        return self.node.stop(timeout)

    def kill(self, sig: int) -> list[int]:
        """Every process of the node: the daemon's process group, and the web server its
        script started in a session of its own (a Heartbeat node's processes all share its
        mount namespace, so HbNode.kill reaches its web server too).  Without this a power
        loss left the old server answering, and the rebooted node's new one could not bind
        (resource monitoring saw it stopped and moved the group)."""
        pids = self.node.kill(sig)
        web = self.web.pid()
        if web is not None and web not in pids and procs.alive(web):
            procs.send(web, sig)
            pids.append(web)
        return pids

    def running(self) -> bool:
        return self.node.running()

    def standby(self) -> str:
        r = self.node.ctl("standby")
        return (r.stdout + r.stderr).strip()

    def _doc(self) -> dict[str, object] | None:
        reply = request(socket_path(self.node.run_dir), {"cmd": "status"}, timeout=2)
        doc = reply.get("status") if reply else None
        return doc if isinstance(doc, dict) else None

    def rscstatus(self) -> str | None:
        doc = self._doc()
        return None if doc is None else answer(["rscstatus"], doc).stdout.strip()

    def nodestatus(self, peer: str) -> str | None:
        doc = self._doc()
        return None if doc is None else answer(["nodestatus", peer], doc).stdout.strip()

    def log(self) -> str:
        return self.node.log()


class HbNode:
    """A real Heartbeat 3.0.6 node (tests/lab/heartbeat.py), asked with cl_status."""

    kind = "heartbeat"

    def __init__(
        self, lab: Lab, host: Host, name: str, spec: ClusterSpec, web_stop_s: float = 0.0
    ) -> None:
        self.name, self.host = name, host
        self.web = WebResource(lab.tmpdir / f"web-{name}", name, web_stop_s)
        self.web.pidfile.parent.mkdir()
        self.node: HeartbeatNode = lab.add_heartbeat_node(
            host, name, spec.ha_cf(), spec.haresources(), AUTHKEYS, {WEB: self.web.script()}
        )

    def start(self) -> None:
        self.node.start()

    def master(self) -> int | None:
        """The master control process.  Not always the PID the lab started: after a
        split brain Heartbeat restarts itself ("Performing heartbeat restart exec") and
        the new master daemonizes; all of them stay in the node's mount namespace."""
        for pid in self.node.pids():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if fh.read().startswith(b"heartbeat: master control process"):
                        return pid
            except OSError:
                continue
        return None

    def stop(self, timeout: float) -> bool:
        """SIGTERM to the master (what ``heartbeat -k`` does); wait for every process."""
        pids = self.node.pids()
        if not pids:
            return True
        procs.send_all(pids, signal.SIGCONT)
        master = self.master()
        if master is not None:
            procs.send(master, signal.SIGTERM)
        if wait_until(lambda: not self.node.pids(), timeout):
            self.node.kill(signal.SIGKILL)  # reaps the launcher
            return True
        self.node.kill(signal.SIGKILL)
        return False

    def kill(self, sig: int) -> list[int]:
        return self.node.kill(sig)

    def running(self) -> bool:
        return self.master() is not None

    def standby(self) -> str:
        r = self.node.run_in([HB_STANDBY], timeout=20)
        return (r.stdout + r.stderr).strip()

    def _ask(self, *args: str) -> str | None:
        """cl_status's answer; None if it could not answer (it exits 1 for a dead node,
        with the word on stdout, docs/heartbeat/tools.md)."""
        if not self.running():
            return None
        r = self.node.cl_status(*args, timeout=10)
        return r.stdout.strip() if r.returncode in (0, 1) and r.stdout.strip() else None

    def rscstatus(self) -> str | None:
        return self._ask("rscstatus")

    def nodestatus(self, peer: str) -> str | None:
        return self._ask("nodestatus", peer)

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.node.log()
        return ""


SYSTEMS: dict[str, type[AgentsNode] | type[HbNode]] = {"ha_agents": AgentsNode, "heartbeat": HbNode}
#: systems whose resources are monitored (restarted when they die): ResourceRecover needs
#: it.  ha_agents checks ctsweb (failover.cf MONITOR_CF, docs/failover.md); Heartbeat v1
#: never checks a running resource.
MONITORING = {"ha_agents": True, "heartbeat": False}


def kill_web(node: AgentsNode | HbNode) -> int | None:
    """SIGKILL the node's web server (ResourceRecover); its PID, None if not running."""
    pid = node.web.pid()
    if pid is None or not procs.alive(pid):
        return None
    procs.send(pid, signal.SIGKILL)
    return pid


def spec_env_ok() -> bool:
    """Heartbeat nodes need the Debian package; ha_agents nodes need nothing more."""
    return os.path.exists("/usr/libexec/heartbeat/heartbeat")
