"""An ha_agents node for integration tests and benches: a real daemon process (in a lab
host's network namespace, or on the host for serial-only tests), started with
``ha-agents run`` on a generated config dir, asked with ``ha-agents status``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ha_agents.daemon.control import request, socket_path
from ha_agents.status.clstatus import answer
from tests.lab.command import ha_agents
from tests.lab.netns import Host
from tests.lab.steady import steady
from tests.lab.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


def _ms(value: int) -> str:
    return f"{value}ms"


def ha_cf_text(node: AgentNodeSpec) -> str:
    ka, warn, dead, init = node.timers_ms
    lines = [
        f"keepalive {_ms(ka)}",
        f"warntime {_ms(warn)}",
        f"deadtime {_ms(dead)}",
        f"initdead {_ms(init)}",
        "udpport 694",
        f"logfile {node.logfile}",
    ]
    bauds = {m["baud"] for m in node.media if m["kind"] == "serial" and m.get("baud")}
    if bauds:
        lines.append(f"baud {bauds.pop()}")
    for m in node.media:
        if m["kind"] == "mcast":
            lines.append(
                f"mcast {m['dev']} {m['group']} 694 {m.get('ttl') or 1} {1 if m.get('loop') else 0}"
            )
        elif m["kind"] == "ucast":
            lines.append(f"ucast {m['dev']} {m['peer']}")
        else:
            lines.append(f"{m['kind']} {m['dev']}")
    lines += ["auto_failback on", *[f"node {n}" for n in node.nodes]]
    return "\n".join(lines) + "\n"


PY = sys.executable


def medium(kind: str, dev: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "dev": dev, **kw}


class AgentNodeSpec:
    node: str
    nodes: list[str]
    media: list[dict[str, Any]]
    timers_ms: tuple[int, int, int, int]
    logfile: Path


class AgentNode(AgentNodeSpec):
    def __init__(
        self,
        root: Path,
        node: str,
        nodes: list[str],
        media: list[dict[str, Any]],
        timers_ms: tuple[int, int, int, int] = (200, 600, 1000, 2000),
        auth: tuple[str, str] = ("sha1", "ha-agents-lab-secret"),
        host: Host | None = None,
    ) -> None:
        self.node, self.host, self.nodes, self.media = node, host, nodes, media
        self.timers_ms = timers_ms
        self.dir = root / f"ha-{node}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = self.dir / "run"
        self.logfile = self.dir / "log"
        self.config_dir = self.dir / "etc-ha.d"
        self.config_dir.mkdir(exist_ok=True)
        (self.config_dir / "ha.cf").write_text(ha_cf_text(self))
        (self.config_dir / "haresources").write_text("")
        keys = self.config_dir / "authkeys"
        keys.write_text(f"auth 1\n1 {auth[0]} {auth[1]}\n")
        os.chmod(keys, 0o600)
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        (self.run_dir / "ha-agents.sock").unlink(missing_ok=True)  # left by a SIGKILL
        argv = ha_agents(
            "run",
            "--config-dir",
            str(self.config_dir),
            "--node",
            self.node,
            "--state-dir",
            str(self.dir / "state"),
            "--run-dir",
            str(self.run_dir),
        )
        with open(self.dir / "stderr", "ab") as err:
            if self.host is not None:
                self.proc = self.host.popen(argv, stderr=err, stdout=err)
            else:
                self.proc = subprocess.Popen(
                    argv, stderr=err, stdout=err, cwd=REPO, start_new_session=True
                )
        sock = self.run_dir / "ha-agents.sock"
        if not wait_until(lambda: sock.exists() or self.proc.poll() is not None, 10):  # type: ignore[union-attr]
            raise AssertionError(f"{self.node} did not start: {self.output()}")
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.node} exited: {self.output()}")
        self.started_at = time.monotonic()  # the socket appears just before Start

    def wait_steady(self, timeout: float = 15.0) -> bool:
        """Until every node this one hears announces its plain deadtime (dt= is deadtime
        + 2 s for the first 5 s after a start, as Heartbeat does: tests/lab/steady.py)."""
        return wait_until(lambda: steady(self.doc(), self.timers_ms[2]), timeout)

    def output(self) -> str:
        text = ""
        for name in ("stderr", "log"):
            path = self.dir / name
            if path.exists():
                text += path.read_text(errors="replace")[-3000:]
        return text

    def status(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ha_agents("status", "--run-dir", str(self.run_dir), *args),
            capture_output=True,
            text=True,
            timeout=20,
            cwd=REPO,
        )

    def nodestatus(self, node: str) -> str:
        """The peer's status word as ``ha-agents status nodestatus`` prints it, asked
        in-process over the control socket (fast enough to time detection)."""
        reply = request(socket_path(self.run_dir), {"cmd": "status"})
        doc = reply.get("status") if reply else None
        return answer(["nodestatus", node], doc if isinstance(doc, dict) else None).stdout.strip()

    def doc(self) -> dict[str, Any]:
        r = self.status("--json")
        return json.loads(r.stdout) if r.returncode == 0 else {}

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                return None
        return self.proc.returncode


def wait_status(check: Any, want: str, timeout: float) -> float | None:
    """Poll ``check()`` until it returns ``want``; seconds it took, or None on timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check() == want:
            return time.monotonic() - t0
        time.sleep(0.05)
    return None
