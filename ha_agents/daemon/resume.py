"""EDGE: after a freeze (SIGSTOP, a paused VM), read what waited before judging peers.

How the pieces behave (CPython 3.11 on Linux, seen with strace on a frozen daemon):

* a process stopped inside ``epoll_wait`` gets ``EINTR`` when it is continued; CPython
  retries the wait only while its timeout has not expired, so after a freeze longer
  than the timeout the loop wakes with *no* I/O events and runs the due timer first;
* asyncio reads one datagram per socket per loop iteration.

So the membership tick after a freeze saw every peer silent for the whole freeze and
declared it dead (``node node2: is dead``, the ``node-dead`` hook) before it read the
heartbeats waiting in the socket buffer.  Here: when the timer fires more than a
keepalive after its due time, the tick is held back, one loop iteration at a time (each
reads one datagram per medium), until no medium is readable -- for a short while at
most, so that a flood cannot hold the node's own heartbeats back.
"""

from __future__ import annotations

import select
from collections.abc import Iterable

from ha_agents.daemon.transports import SerialLink
from ha_agents.daemon.udplink import UdpLink

MAX_HOLD_S = 0.2  # draining a buffer takes milliseconds; never hold a tick longer


def media_fds(links: Iterable[UdpLink | SerialLink]) -> list[int]:
    """The file descriptors the media read from."""
    fds: list[int] = []
    for link in links:
        if isinstance(link, SerialLink):
            fds.append(link.fd)
        elif link.sock.fileno() >= 0:
            fds.append(link.sock.fileno())
    return fds


def readable(fds: list[int]) -> bool:
    if not fds:
        return False
    try:
        ready, _, _ = select.select(fds, [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(ready)


class Resume:
    """Decides whether a timer that fired late waits for the media to be drained."""

    def __init__(self) -> None:
        self.until: float | None = None  # draining since a late timer, until then
        self.resumes = 0

    def hold(self, due: float, now: float, keepalive_s: float, fds: list[int]) -> bool:
        """True: run the tick again after one more loop iteration (I/O first)."""
        if self.until is None:
            if now - due <= keepalive_s:
                return False
            self.until = now + min(keepalive_s / 2, MAX_HOLD_S)
            self.resumes += 1
        if now < self.until and readable(fds):
            return True
        self.until = None
        return False
