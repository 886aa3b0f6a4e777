"""daemon/resume.py: a timer that fires a keepalive late waits until the media are read."""

from __future__ import annotations

import socket

from ha_agents.daemon.resume import MAX_HOLD_S, Resume, readable


def test_a_late_tick_waits_while_a_medium_is_readable_then_runs() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        guard = Resume()
        fds = [b.fileno()]
        assert not guard.hold(due=10.0, now=10.05, keepalive_s=0.1, fds=fds)  # on time
        a.send(b"heartbeat sent while we were frozen")
        assert readable(fds)
        assert not guard.hold(due=10.0, now=10.09, keepalive_s=0.1, fds=fds)  # not late
        assert guard.hold(due=10.0, now=12.0, keepalive_s=0.1, fds=fds)  # late: read first
        assert guard.hold(due=10.0, now=12.01, keepalive_s=0.1, fds=fds)
        b.recv(100)  # the loop read it
        assert not guard.hold(due=10.0, now=12.02, keepalive_s=0.1, fds=fds)
        assert guard.resumes == 1 and guard.until is None


def test_a_flood_cannot_hold_the_tick_back_for_long() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        a.send(b"x")
        guard = Resume()
        fds = [b.fileno()]
        assert guard.hold(due=0.0, now=5.0, keepalive_s=2.0, fds=fds)
        assert guard.hold(due=0.0, now=5.0 + MAX_HOLD_S / 2, keepalive_s=2.0, fds=fds)
        assert not guard.hold(due=0.0, now=5.0 + MAX_HOLD_S, keepalive_s=2.0, fds=fds)
