"""A real ``ha-agents run`` process on the loopback interface (one node of a two-node
cluster whose peer never answers): for the control-socket and privilege tests, which need
a running daemon but no network namespaces.  Heartbeats go to 127.0.0.1 on a random
high port only."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from ha_agents.daemon.control import request, socket_path
from tests.lab.waiting import wait_until

from .forge import REPO


def write_config(d: Path, port: int, extra: str = "") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "ha.cf").write_text(
        "keepalive 200ms\nwarntime 600ms\ndeadtime 1\ninitdead 2\n"
        f"udpport {port}\nucast lo 127.0.0.1\nauto_failback on\n"
        f"node node1\nnode node2\nlogfile {d.parent / 'ha-log'}\n{extra}"
    )
    (d / "haresources").write_text("")
    (d / "authkeys").write_text("auth 1\n1 sha1 reliability-secret\n")
    os.chmod(d / "authkeys", 0o600)
    return d


class LocalDaemon:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = random.randrange(20000, 60000)
        self.config_dir = write_config(root / "etc", self.port)
        self.run_dir = root / "run"
        self.state_dir = root / "state"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return socket_path(self.run_dir)

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ha_agents", *args]

    def start(self) -> None:
        self.start_nowait()
        ok = wait_until(lambda: self.alive() and self.status() is not None, 15)
        assert ok, self.output()

    def start_nowait(self) -> None:
        self.socket.unlink(missing_ok=True)  # a SIGKILLed daemon leaves it behind
        out = open(self.root / "output", "ab")  # noqa: SIM115 - closed in stop()
        self._out = out
        self.proc = subprocess.Popen(
            self.argv(
                "run",
                "--config-dir",
                str(self.config_dir),
                "--node",
                "node1",
                "--state-dir",
                str(self.state_dir),
                "--run-dir",
                str(self.run_dir),
            ),
            stdout=out,
            stderr=out,
            cwd=REPO,
            start_new_session=True,
        )

    def kill(self) -> None:
        """Power loss: SIGKILL, reaped at once."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait(10)
        self._out.close()
        self.proc = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def status(self) -> dict[str, object] | None:
        reply = request(self.socket, {"cmd": "status"}, timeout=2)
        return reply if reply and reply.get("ok") else None

    def output(self) -> str:
        text = ""
        for name in ("output", "ha-log"):
            p = self.root / name
            if p.exists():
                text += p.read_text(errors="replace")[-3000:]
        return text

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._out.close()
        self.proc = None
