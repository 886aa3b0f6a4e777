"""An ha_agents node for integration tests: a real daemon process (in a lab host's
network namespace, or on the host for serial-only tests), asked with ``ha-agents status``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ha_agents.daemon.control import request, socket_path
from ha_agents.lab.netns import Host
from ha_agents.lab.waiting import wait_until
from ha_agents.status.clstatus import answer

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable


def medium(kind: str, dev: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "dev": dev, **kw}


class AgentNode:
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
        self.node, self.host = node, host
        self.dir = root / f"ha-{node}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = self.dir / "run"
        self.logfile = self.dir / "log"
        self.spec = self.dir / "spec.json"
        self.spec.write_text(
            json.dumps(
                {
                    "node": node,
                    "nodes": nodes,
                    "media": media,
                    "timers": list(timers_ms),
                    "auth": list(auth),
                    "logfile": str(self.logfile),
                    "state_dir": str(self.dir / "state"),
                    "run_dir": str(self.run_dir),
                }
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [PY, "-m", "tests.membership.noderunner", str(self.spec)]
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

    def output(self) -> str:
        text = ""
        for name in ("stderr", "log"):
            path = self.dir / name
            if path.exists():
                text += path.read_text(errors="replace")[-3000:]
        return text

    def status(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "ha_agents", "status", "--run-dir", str(self.run_dir), *args],
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
