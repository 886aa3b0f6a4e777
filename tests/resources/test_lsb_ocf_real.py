"""Real LSB init scripts and OCF agents through our runner (no network needed)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resources.privmount import run_private

PY = sys.executable
LSB = """#!/bin/sh
# A small LSB-compliant init script managing a sleep "daemon".
PIDFILE=@PIDFILE@
alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "$1" in
  start) alive && exit 0
         setsid sleep 300 </dev/null >/dev/null 2>&1 &
         echo $! > "$PIDFILE"; exit 0 ;;
  stop)  alive && kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; exit 0 ;;
  status) if alive; then echo "lsbsvc is running"; exit 0; fi
          echo "lsbsvc is not running"; exit @STOPPED_RC@ ;;
  *) echo "usage: $0 start|stop|status"; exit 2 ;;
esac
"""


def ha(*args: str) -> tuple[int, str, str]:
    res = subprocess.run(
        [PY, "-m", "ha_agents", *args], capture_output=True, text=True, timeout=60, check=False
    )
    return res.returncode, res.stdout, res.stderr


@pytest.fixture
def initd(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "init.d"
    d.mkdir()
    pidfile = tmp_path / "lsbsvc.pid"
    for name, rc in (("lsbsvc", "3"), ("badstatus", "0")):
        f = d / name
        f.write_text(LSB.replace("@PIDFILE@", str(pidfile)).replace("@STOPPED_RC@", rc))
        f.chmod(0o755)
    yield d
    if pidfile.exists():  # a failed test must not leave the sleep behind
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_test_agent_passes_for_an_lsb_compliant_init_script(initd: Path) -> None:
    rc, out, err = ha("test-agent", str(initd / "lsbsvc"), "--class", "lsb", "--json")
    doc = json.loads(out)
    assert rc == 0 and doc["ok"] and doc["class"] == "lsb", out + err
    got = {c["name"]: c["got"] for c in doc["checks"]}
    assert got["status (running)"] == "exit 0" and got["status (stopped)"] == "exit 3"


def test_test_agent_fails_an_init_script_whose_status_lies(initd: Path, tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    rc, out, _ = ha("test-agent", str(initd / "badstatus"), "--class", "lsb", "--junit", str(junit))
    assert rc == 1
    assert "FAIL status (stopped)" in out and "(expected exit 3)" in out
    assert 'failures="1"' in junit.read_text()


@pytest.mark.netns  # needs root for the private mount namespace
def test_bare_name_falls_back_to_etc_init_d_as_lsb(initd: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "ha.d"
    cfg.mkdir()
    cmd = [PY, "-m", "ha_agents", "resource"]
    binds = [(str(initd), "/etc/init.d")]
    # "lsbsvc::" has one empty argument, which ResourceManager drops: /etc/init.d/lsbsvc start
    res = run_private(binds, [*cmd, "start", "lsbsvc::", "--config-dir", str(cfg), "--json"])
    doc = json.loads(res.stdout)
    assert res.returncode == 0, res.stdout + res.stderr
    assert doc["steps"][1]["argv"] == ["/etc/init.d/lsbsvc", "start"]
    res = run_private(binds, [*cmd, "status", "lsbsvc", "--config-dir", str(cfg)])
    assert res.returncode == 0 and "exit 0 (program is running" in res.stdout
    res = run_private(binds, [*cmd, "stop", "lsbsvc", "--config-dir", str(cfg)])
    assert res.returncode == 0
    res = run_private(binds, [*cmd, "status", "lsbsvc", "--config-dir", str(cfg)])
    assert res.returncode == 3


@pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="needs the resource-agents package",
)
def test_heartbeat_ocf_instance_form_works_with_status_as_monitor(tmp_path: Path) -> None:
    cfg = tmp_path / "ha.d"
    (cfg / "conf" / "OCF" / "Dummy").mkdir(parents=True)
    state = tmp_path / "dummy.state"
    (cfg / "conf" / "OCF" / "Dummy" / "inst1").write_text(f"OCF_RESKEY_state={state}\n")
    rc, out, err = ha("resource", "start", "OCF::Dummy::inst1", "--config-dir", str(cfg))
    assert rc == 0, out + err
    assert state.exists()
    rc, out, _ = ha("resource", "status", "OCF::Dummy::inst1", "--config-dir", str(cfg))
    assert rc == 0 and "exit 0 (OCF_SUCCESS)" in out
    rc, _, _ = ha("resource", "stop", "OCF::Dummy::inst1", "--config-dir", str(cfg))
    assert rc == 0 and not state.exists()
    rc, out, _ = ha("resource", "status", "OCF::Dummy::inst1", "--config-dir", str(cfg))
    assert rc == 3 and "OCF_NOT_RUNNING" in out
    rc, _, err = ha("resource", "start", "OCF::Dummy::nope", "--config-dir", str(cfg))
    assert rc == 1 and "missing OCF instance file" in err
