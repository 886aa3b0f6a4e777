"""ha.cf's logfacility: lines reach a real syslog socket (a /dev/log-like AF_UNIX datagram
socket bound in a temp dir) with the facility's priority, and survive a syslog restart;
log files re-opened after logrotate."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from ha_agents.daemon.logsetup import HbLog
from ha_agents.membership import notices

SYSLOG_LINE = re.compile(
    r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ha_agents: \[(\d+)\]: (.*)$"
)


def _bind(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    return sock


def _recv(sock: socket.socket) -> tuple[int, int, str]:
    m = SYSLOG_LINE.match(sock.recv(4096).decode())
    assert m is not None
    return int(m.group(1)), int(m.group(2)), m.group(3)


def test_logfacility_lines_reach_syslog_with_priority_and_survive_a_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log"
    server = _bind(path)
    log = HbLog("node1", logfacility="local0", syslog_path=str(path))
    log.notice(notices.peer_dead("node2"))
    assert _recv(server) == (16 * 8 + 4, os.getpid(), "WARN: node node2: is dead")
    log.info("Link node2:eth0 dead.")
    assert _recv(server) == (16 * 8 + 6, os.getpid(), "info: Link node2:eth0 dead.")

    server.close()  # the syslog daemon restarts on the same path
    path.unlink()
    server = _bind(path)
    log.info("after the restart")
    assert _recv(server)[2] == "info: after the restart"
    log.close()
    server.close()
    assert capsys.readouterr().err == ""  # syslog is an output: nothing on stderr


def test_unreachable_syslog_falls_back_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = HbLog("node1", logfacility="daemon", syslog_path=str(tmp_path / "missing"))
    log.info("still logged")
    log.close()
    assert capsys.readouterr().err.endswith(f"ha_agents: [{os.getpid()}]: info: still logged\n")


def test_reopen_after_logrotate_writes_to_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "ha-log"
    log = HbLog("node1", str(path), stderr=False)
    log.info("before")
    path.rename(tmp_path / "ha-log.1")
    log.reopen()
    log.info("after")
    log.close()
    assert (tmp_path / "ha-log.1").read_text().endswith("info: before\n")
    assert path.read_text().endswith("info: after\n") and "before" not in path.read_text()


def test_log_ident_heartbeat_gives_heartbeats_exact_line_format(tmp_path: Path) -> None:
    log = HbLog("node1", str(tmp_path / "ha-log"), stderr=False, ident="heartbeat")
    log.notice(notices.peer_dead("node2"))
    log.close()
    line = (tmp_path / "ha-log").read_text()
    # spec/tools.md §3: "Mon DD HH:MM:SS NODE heartbeat: [PID]: LEVEL: text"
    pattern = rf"^[A-Z][a-z]{{2}} [ \d]\d \d\d:\d\d:\d\d node1 heartbeat: \[{os.getpid()}\]: "
    assert re.match(pattern + r"WARN: node node2: is dead\n$", line), line
