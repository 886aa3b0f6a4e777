"""The systemd notify protocol, checked against a real AF_UNIX datagram socket."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ha_agents.daemon.sdnotify import Notifier, watchdog_from_env


def _listener(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    return sock


def test_ready_reaches_the_notify_socket_with_status_and_mainpid(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with _listener(path) as sock:
        notifier = Notifier({"NOTIFY_SOCKET": path})
        assert notifier.enabled
        assert notifier.ready("2 nodes, 1 active")
        lines = sock.recv(4096).decode().split("\n")
        notifier.close()
    assert lines == ["READY=1", "STATUS=2 nodes, 1 active", f"MAINPID={os.getpid()}"]


def test_abstract_namespace_socket_and_watchdog_ping() -> None:
    name = f"ha-agents-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.ping_watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"
        assert notifier.status("line one\nline two")
        assert sock.recv(100) == b"STATUS=line one line two"
        notifier.close()


def test_without_systemd_notifier_is_a_quiet_no_op() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.ready() is False
    notifier.close()


def test_unreachable_socket_reports_failure_instead_of_raising(tmp_path: Path) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert notifier.ready() is False
    notifier.close()


def test_watchdog_interval_is_half_the_timeout_and_only_for_our_pid() -> None:
    pid = os.getpid()
    setting = watchdog_from_env({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(pid)}, pid)
    assert setting is not None and setting.interval_s == 5.0
    assert watchdog_from_env({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}, pid) is None
    assert watchdog_from_env({"WATCHDOG_USEC": "abc"}, pid) is None
    assert watchdog_from_env({}, pid) is None
