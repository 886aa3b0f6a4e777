"""Heartbeat-style log lines: logfile without debug, debugfile with the key=value suffix."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ha_agents.daemon.logsetup import HbLog
from ha_agents.membership import notices
from ha_agents.membership.actions import Level

LINE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d node1 ha_agents: \[(\d+)\]: (\w+): (.*)$")


def test_lines_look_like_heartbeats_and_debug_goes_only_to_debugfile(tmp_path: Path) -> None:
    log = HbLog("node1", str(tmp_path / "ha-log"), str(tmp_path / "ha-debug"), stderr=False)
    log.notice(notices.peer_dead("node2"))
    log.log(Level.DEBUG, "a debug line")
    log.close()
    (main_line,) = (tmp_path / "ha-log").read_text().splitlines()
    m = LINE.match(main_line)
    assert m is not None and m.group(1) == str(os.getpid())
    assert (m.group(2), m.group(3)) == ("WARN", "node node2: is dead")
    debug = (tmp_path / "ha-debug").read_text().splitlines()
    assert debug[0].endswith("WARN: node node2: is dead  [event=peer_dead node=node2]")
    assert debug[1].endswith("debug: a debug line")


def test_unwritable_logfile_falls_back_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = HbLog("node1", str(tmp_path / "no" / "such" / "dir" / "log"))
    log.info("still running")
    log.close()
    err = capsys.readouterr().err
    assert "cannot open log file" in err
    assert LINE.match(err.splitlines()[-1]) is not None and err.endswith("still running\n")


def test_logfacility_without_syslog_is_said_at_start_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ha.cf asks for syslog but no syslog daemon listens (a container, no /dev/log): the
    first line says so, and the lines go to the logfile, else to stderr."""
    missing = str(tmp_path / "no-dev-log")
    log = HbLog("node1", str(tmp_path / "ha-log"), logfacility="local0", syslog_path=missing)
    log.info("after start")
    log.close()
    first, second = (tmp_path / "ha-log").read_text().splitlines()
    assert f"WARN: logfacility local0: no syslog at {missing} (" in first
    assert first.endswith("); logging to the logfile until it appears")
    assert second.endswith("info: after start")
    bare = HbLog("node1", logfacility="daemon", syslog_path=missing)
    bare.info("to stderr")
    bare.close()
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("logging to stderr until it appears") and "to stderr" in err[1]
