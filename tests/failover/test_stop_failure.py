"""failover.cf ``stop_failure``: what a node does when a resource cannot be stopped.

A real ``ha-agents run`` in a lab namespace holds a group whose script never stops (stop
fails, status says running).  At SIGTERM the release fails every retry: with
``stop_failure reboot`` the node runs its reboot command (a recorder here, via
``reboot_command``), as Heartbeat reboots; with the default ``keep`` it does not.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.lab import Lab, wait_until
from tests.lab.command import ha_agents

STUCK = '#!/bin/sh\ncase "$1" in stop) exit 1;; status) echo running;; esac\nexit 0\n'
RECORDER = '#!/bin/sh\necho "reboot $*" >> {record}\nexit 0\n'


def _config(root: Path, stop_failure: str | None) -> Path:
    conf = root / "etc"
    (conf / "resource.d").mkdir(parents=True)
    (conf / "ha.cf").write_text(
        f"keepalive 100ms\ndeadtime 500ms\ninitdead 1\nbcast eth0\nauto_failback on\n"
        f"logfile {root / 'ha-log'}\nnode node1\n"
    )
    (conf / "haresources").write_text("node1 stuck\n")
    (conf / "authkeys").write_text("auth 1\n1 sha1 lab-secret\n")
    (conf / "authkeys").chmod(0o600)
    (conf / "resource.d" / "stuck").write_text(STUCK)
    (conf / "resource.d" / "stuck").chmod(0o755)
    recorder = root / "reboot-recorder"
    recorder.write_text(RECORDER.format(record=root / "record"))
    recorder.chmod(0o755)
    if stop_failure is not None:
        (conf / "failover.cf").write_text(
            f"stop_failure {stop_failure}\nreboot_command {recorder} --now\n"
        )
    return conf


def _run_and_stop(lab: Lab, root: Path, conf: Path) -> str:
    host = lab.add_host("n1", "192.0.2.11/24")
    argv = ha_agents(
        "run", "--config-dir", str(conf), "--node", "node1",
        "--state-dir", str(root / "state"), "--run-dir", str(root / "run"),
    )  # fmt: skip
    env = {**os.environ, "HA_STOPRETRYMAX": "1"}
    with open(root / "output", "wb") as out:
        proc = host.popen(argv, stdout=out, stderr=out, env=env)
    log = root / "ha-log"
    held = wait_until(lambda: log.exists() and "stuck is already running" in log.read_text(), 20)
    assert held, (root / "output").read_text()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return log.read_text()


@pytest.mark.netns
def test_stop_failure_reboot_runs_the_reboot_command(tmp_path: Path) -> None:
    conf = _config(tmp_path, "reboot")
    with Lab("sfr") as lab:
        text = _run_and_stop(lab, tmp_path, conf)
    assert (tmp_path / "record").read_text() == "reboot --now\n"
    assert "Resource STOP failure. Reboot required!" in text
    assert f"CRIT: Resource STOP failure: rebooting with {tmp_path}/reboot-recorder --now" in text


@pytest.mark.netns
@pytest.mark.parametrize("setting", [None, "keep"])
def test_stop_failure_keep_leaves_the_group_failed_without_reboot(
    tmp_path: Path, setting: str | None
) -> None:
    conf = _config(tmp_path, setting)
    with Lab("sfk") as lab:
        text = _run_and_stop(lab, tmp_path, conf)
    assert not (tmp_path / "record").exists()
    assert "No reboot (failover.cf: stop_failure keep)" in text
