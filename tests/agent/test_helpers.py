"""SDK helpers against real processes, sockets and files."""

from __future__ import annotations

import http.server
import io
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agent import (
    GenericError,
    NotInstalled,
    PidFile,
    check_http,
    check_tcp,
    pid_alive,
    run_command,
    spawn_daemon,
    terminate,
    wait_until,
)
from ha_agents.agent import log as agent_log
from ha_agents.agent.conventions import Convention


def test_run_command_returns_output_and_code() -> None:
    res = run_command([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"], 10)
    assert (res.rc, res.stdout, res.timed_out) == (3, "hi\n", False)
    assert not res.ok
    with pytest.raises(GenericError, match="exited 3"):
        run_command([sys.executable, "-c", "import sys; sys.exit(3)"], 10, check=True)


def test_run_command_missing_program_is_127_or_not_installed() -> None:
    assert run_command(["/nonexistent/prog"], 5).rc == 127
    with pytest.raises(NotInstalled):
        run_command(["/nonexistent/prog"], 5, check=True)


def test_run_command_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"
    start = time.monotonic()
    res = run_command(["/bin/sh", "-c", script], 0.5)
    assert res.timed_out and time.monotonic() - start < 5
    grandchild = int(pidfile.read_text())
    assert wait_until(lambda: not pid_alive(grandchild), 3, 0.05)


def test_wait_until_true_false_and_bounded() -> None:
    assert wait_until(lambda: True, 0)
    start = time.monotonic()
    assert not wait_until(lambda: False, 0.3, 0.05)
    assert 0.25 < time.monotonic() - start < 2
    box = {"n": 0}

    def third() -> bool:
        box["n"] += 1
        return box["n"] >= 3

    assert wait_until(third, 5, 0.01) and box["n"] == 3


def test_pidfile_alive_stale_and_name_guard(tmp_path: Path) -> None:
    pf = PidFile(tmp_path / "sub" / "x.pid")
    assert pf.read() is None and not pf.is_stale()
    pid = spawn_daemon(["sleep", "30"])
    try:
        pf.write(pid)
        assert pf.alive() == pid
        assert PidFile(pf.path, name="sleep").alive() == pid
        assert PidFile(pf.path, name="redis").alive() is None  # pid reuse guard
        assert terminate(pid, 5)
        assert pf.alive() is None and pf.is_stale()
    finally:
        terminate(pid, 1)
    pf.path.write_text("garbage\n")
    assert pf.read() is None
    pf.remove()
    pf.remove()
    assert not pf.path.exists()


def test_terminate_escalates_to_sigkill() -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)"
    pid = spawn_daemon([sys.executable, "-c", code])
    try:
        assert wait_until(lambda: pid_alive(pid), 2, 0.02)
        time.sleep(0.3)  # let it install the handler
        start = time.monotonic()
        assert terminate(pid, timeout=0.5)
        assert time.monotonic() - start < 4
    finally:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def http_server() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_check_tcp_and_http(http_server: int) -> None:
    assert check_tcp("127.0.0.1", http_server, 2)
    assert check_http(f"http://127.0.0.1:{http_server}/", 200, 2)
    assert check_http(f"http://127.0.0.1:{http_server}/missing", 404, 2)
    assert not check_http(f"http://127.0.0.1:{http_server}/missing", 200, 2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert not check_tcp("127.0.0.1", closed, 1)
    assert not check_http(f"http://127.0.0.1:{closed}/", 200, 1)


def test_heartbeat_log_goes_to_ha_logfile_in_heartbeat_format(tmp_path: Path) -> None:
    logfile, debuglog = tmp_path / "ha-log", tmp_path / "ha-debug"
    err = io.StringIO()
    env = {"HA_LOGFILE": str(logfile), "HA_DEBUGLOG": str(debuglog)}
    log = agent_log.setup("myagent", "myagent", Convention.HEARTBEAT, env, stderr=err)
    log.info("hello %s", "world")
    log.debug("details")
    line = logfile.read_text().strip()
    # Heartbeat's own layout: "DATE TAG:    level: msg" (HA_DATEFMT: %Y/%m/%d_%T + blank)
    date = r"\d{4}/\d\d/\d\d_\d\d:\d\d:\d\d"
    assert re.fullmatch(rf"{date}  myagent\[{os.getpid()}\]:    info: hello world", line)
    assert re.search(rf"myagent\[{os.getpid()}\]:\t{date} debug: details", debuglog.read_text())
    assert "details" not in logfile.read_text()
    assert err.getvalue() == ""  # stdout/stderr stay clean under Heartbeat


def test_ocf_log_goes_to_stderr_and_syslog(tmp_path: Path) -> None:
    address = str(tmp_path / "log.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(2)
    try:
        err = io.StringIO()
        log = agent_log.setup("myagent", "r1", Convention.OCF, {}, err, syslog_address=address)
        log.warning("careful")
        assert err.getvalue() == f"myagent(r1)[{os.getpid()}]: WARNING: careful\n"
        datagram = sock.recv(4096).decode()
        # <facility daemon (3) * 8 + warning (4)>ident: LEVEL: message
        assert datagram.rstrip("\x00") == f"<28>myagent(r1)[{os.getpid()}]: WARNING: careful"
    finally:
        sock.close()
