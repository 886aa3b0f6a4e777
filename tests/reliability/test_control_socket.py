"""Garbage on the control socket of a running daemon: it answers an error (or closes), it
stays alive, and it still answers ``status`` afterwards.  The socket is owner-only."""

from __future__ import annotations

import json
import os
import pwd
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .localdaemon import LocalDaemon

pytestmark = pytest.mark.netns  # root: binds a UDP socket to a device (SO_BINDTODEVICE)

# the venv's interpreter lives under /root, which nobody cannot enter
SYSTEM_PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDaemon]:
    d = LocalDaemon(tmp_path_factory.mktemp("ctl"))
    d.start()
    try:
        yield d
    finally:
        d.stop()


def raw(path: Path, payload: bytes, timeout: float = 3.0, shut: bool = True) -> bytes:
    """Send raw bytes, return everything the daemon answers before closing."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        try:
            s.sendall(payload)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the daemon may close on an oversized request
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
        return b"".join(chunks)


def assert_error_or_closed(answer: bytes) -> None:
    if answer:
        reply = json.loads(answer)
        assert isinstance(reply, dict)
        assert reply.get("ok") is False or "status" in reply, reply


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
CMDS = ["status", "standby", "takeover", "rscstatus", "shutdown", "", "x" * 1000]


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_get_an_error_and_the_daemon_lives(daemon: LocalDaemon, data: bytes) -> None:
    assert_error_or_closed(raw(daemon.socket, data))
    assert daemon.alive()


@FUZZ
@given(JSON)
def test_random_json_gets_an_error_and_the_daemon_lives(daemon: LocalDaemon, doc: object) -> None:
    answer = raw(daemon.socket, json.dumps(doc).encode() + b"\n")
    assert answer, "a JSON line always gets a JSON answer"
    assert_error_or_closed(answer)
    assert daemon.alive()


@FUZZ
@given(st.sampled_from(CMDS), st.dictionaries(st.sampled_from(["which", "node", "cmd"]), JSON))
def test_commands_with_random_arguments(
    daemon: LocalDaemon, cmd: str, extra: dict[str, object]
) -> None:
    req = {**extra, "cmd": cmd} if "cmd" not in extra else extra
    answer = raw(daemon.socket, json.dumps(req).encode() + b"\n")
    assert answer
    reply = json.loads(answer)
    assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), reply
    assert daemon.alive()


def test_oversized_slow_and_silent_clients_do_not_wedge_the_daemon(daemon: LocalDaemon) -> None:
    # a 1 MiB line (over the 64 KiB request limit)
    assert_error_or_closed(raw(daemon.socket, b"{" * (1 << 20), timeout=10))
    # clients that connect and say nothing: the daemon keeps serving others meanwhile
    idle = []
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(daemon.socket))
        idle.append(s)
    try:
        t0 = time.monotonic()
        assert daemon.status() is not None
        assert time.monotonic() - t0 < 2.0
    finally:
        for s in idle:
            s.close()
    assert daemon.alive() and daemon.status() is not None


def test_status_still_answers_after_the_garbage(daemon: LocalDaemon) -> None:
    doc = daemon.status()
    assert doc is not None and daemon.alive()
    assert "Traceback" not in daemon.output()


# -- privilege -----------------------------------------------------------------------------


def test_control_socket_is_owner_only(daemon: LocalDaemon) -> None:
    mode = os.stat(daemon.socket).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600, oct(mode)
    assert os.stat(daemon.socket).st_uid == os.geteuid()


def _as_nobody() -> None:
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


def test_a_non_root_user_cannot_talk_to_the_daemon(daemon: LocalDaemon) -> None:
    # the run dir may itself be closed to nobody; test the socket's own mode too by
    # opening the directories on the way (the socket mode alone must be enough)
    for parent in daemon.socket.parents:
        if parent in (Path("/"), Path("/tmp")):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    code = (
        "import socket,sys\n"
        "s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM)\n"
        "try:\n"
        f"    s.connect({str(daemon.socket)!r})\n"
        "except PermissionError:\n"
        "    print('denied'); sys.exit(0)\n"
        "s.sendall(b'{\"cmd\": \"standby\"}\\n'); print('connected', s.recv(999)); sys.exit(1)\n"
    )
    r = subprocess.run(
        [SYSTEM_PY, "-c", code],
        preexec_fn=_as_nobody,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert r.returncode == 0 and r.stdout.strip() == "denied", (r.stdout, r.stderr)
    assert daemon.alive()
