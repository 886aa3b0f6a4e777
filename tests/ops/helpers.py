"""An ha_agents node for the ops tests: the lab's AgentNode started with extra
``ha-agents run`` flags and environment (NOTIFY_SOCKET, WATCHDOG_USEC...)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ha_agents.daemon.control import request, socket_path
from tests.lab.agentnode import PY, REPO, AgentNode, ha_cf_text
from tests.lab.waiting import wait_until

RUN = [PY, "-m", "ha_agents", "run"]


class OpsNode(AgentNode):
    extra: Sequence[str] = ()
    env: Mapping[str, str] = {}

    def configure(self, extra: Sequence[str] = (), env: Mapping[str, str] | None = None) -> None:
        self.extra, self.env = tuple(extra), dict(env or {})

    def write_ha_cf(self, text: str | None = None) -> None:
        (self.config_dir / "ha.cf").write_text(text if text is not None else ha_cf_text(self))

    def start(self, wait_socket: bool = True) -> None:
        (self.run_dir / "ha-agents.sock").unlink(missing_ok=True)
        argv = [
            *RUN,
            "--config-dir",
            str(self.config_dir),
            "--node",
            self.node,
            "--state-dir",
            str(self.dir / "state"),
            "--run-dir",
            str(self.run_dir),
            *self.extra,
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO), **self.env}
        with open(self.dir / "stderr", "ab") as err:
            assert self.host is not None
            self.proc = self.host.popen(argv, stderr=err, stdout=err, env=env)
        if not wait_socket:
            return
        sock = self.run_dir / "ha-agents.sock"
        proc = self.proc
        if not wait_until(lambda: sock.exists() or proc.poll() is not None, 15):
            raise AssertionError(f"{self.node} did not start: {self.output()}")
        if proc.poll() is not None:
            raise AssertionError(f"{self.node} exited: {self.output()}")
        self.started_at = time.monotonic()

    def fast_doc(self) -> dict[str, Any]:
        """The status document over the control socket, in-process (no CLI start-up)."""
        reply = request(socket_path(self.run_dir), {"cmd": "status"})
        doc = reply.get("status") if reply else None
        return doc if isinstance(doc, dict) else {}

    def log_text(self) -> str:
        path = self.dir / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def cli(self, cmd: str, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [PY, "-m", "ha_agents", cmd, "--run-dir", str(self.run_dir), *args]
        return retry_killed(
            lambda: subprocess.run(argv, capture_output=True, text=True, timeout=20, cwd=REPO)
        )


def retry_killed(
    run: Callable[[], subprocess.CompletedProcess[str]],
) -> subprocess.CompletedProcess[str]:
    """Run again (at most twice) a command SIGKILLed from outside: while other suites
    run on the machine, short commands in lab namespaces were seen dying with -9."""
    result = run()
    for _ in range(2):
        if result.returncode != -signal.SIGKILL:
            break
        result = run()
    return result


def hook_script(path: Path, record: Path) -> None:
    """A hook that appends its argv and HA_* environment as one JSON line to ``record``."""
    path.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"with open({str(record)!r}, 'a') as f:\n"
        "    env = {k: v for k, v in os.environ.items() if k.startswith('HA_')}\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'env': env}) + '\\n')\n"
    )
    path.chmod(0o755)
