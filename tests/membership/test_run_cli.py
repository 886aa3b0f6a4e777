"""``ha-agents run`` refuses to start on a bad config or an unusable state dir, with a
clear message and exit 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.lab.agentnode import REPO


def write_config(d: Path, extra: str = "") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "ha.cf").write_text(
        "keepalive 1\ndeadtime 6\nwarntime 3\ninitdead 12\nudpport 694\nbcast lo\n"
        f"node node1\nnode node2\n{extra}"
    )
    (d / "haresources").write_text("")
    (d / "authkeys").write_text("auth 1\n1 sha1 secret\n")
    os.chmod(d / "authkeys", 0o600)
    return d


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", "run", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )


def test_run_refuses_a_config_with_errors_and_prints_diagnostics(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "etc", extra="deadtme 5\n")
    r = run(
        "--config-dir",
        str(conf),
        "--node",
        "node1",
        "--state-dir",
        str(tmp_path / "s"),
        "--run-dir",
        str(tmp_path / "r"),
    )
    assert r.returncode == 1
    assert "ha.cf:" in r.stderr and "deadtme" in r.stderr
    assert "not starting" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "s" / "hb_generation").exists()


def test_run_refuses_when_the_generation_cannot_be_persisted(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "etc", extra=f"logfile {tmp_path / 'log'}\n")
    blocker = tmp_path / "state"
    blocker.write_text("a file, not a directory")
    r = run(
        "--config-dir",
        str(conf),
        "--node",
        "node1",
        "--state-dir",
        str(blocker),
        "--run-dir",
        str(tmp_path / "r"),
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    log = (tmp_path / "log").read_text()
    assert "cannot create state dir" in log and "refusing to start" in log
