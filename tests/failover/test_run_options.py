"""`ha-agents run` refuses to start when failover.cf (fencing options) is broken.

Running without the fencing an admin configured would be worse than not running: the
node must say where the file is wrong and exit 1, like any other config error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "ha.d"
    shutil.copytree(REPO / "conf", conf)
    (conf / "authkeys").chmod(0o600)
    return conf


def _run(conf: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "ha_agents",
        "run",
        "--config-dir",
        str(conf),
        "--node",
        "node1",
        "--state-dir",
        str(tmp_path / "state"),
        "--run-dir",
        str(tmp_path / "run"),
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_run_refuses_a_broken_failover_cf_with_file_and_line(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    (conf / "failover.cf").write_text("# fencing\nfence_timeout soon\n")
    proc = _run(conf, tmp_path)
    assert proc.returncode == 1
    assert f"{conf}/failover.cf:2: error:" in proc.stderr
    assert "failover options have errors; not starting" in proc.stderr
    assert not (tmp_path / "run" / "ha-agents.sock").exists()
