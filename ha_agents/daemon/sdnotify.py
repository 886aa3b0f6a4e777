"""systemd's notify protocol (sd_notify(3)) without libsystemd.

A ``Type=notify`` service tells systemd it is ready by sending ``READY=1`` as one
datagram to the AF_UNIX socket named in ``$NOTIFY_SOCKET`` (a leading ``@`` means the
abstract namespace).  ``STATUS=`` lines show in ``systemctl status``; ``WATCHDOG=1`` must
arrive at least every ``$WATCHDOG_USEC`` microseconds when ``WatchdogSec=`` is set.

This is an edge module (it owns a socket); the daemon calls it from its event loop.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WatchdogSetting:
    """How often to send ``WATCHDOG=1``: half of systemd's timeout, as sd_watchdog_enabled."""

    timeout_us: int

    @property
    def interval_s(self) -> float:
        return self.timeout_us / 2_000_000


def watchdog_from_env(env: Mapping[str, str], pid: int) -> WatchdogSetting | None:
    """The watchdog systemd asked for, or None (unset, malformed, or meant for another PID)."""
    raw = env.get("WATCHDOG_USEC", "")
    if not raw.isdigit() or int(raw) <= 0:
        return None
    wpid = env.get("WATCHDOG_PID", "")
    if wpid and (not wpid.isdigit() or int(wpid) != pid):
        return None
    return WatchdogSetting(int(raw))


def _address(raw: str) -> str | None:
    if raw.startswith("@"):
        return "\0" + raw[1:]
    if raw.startswith("/"):
        return raw
    return None


class Notifier:
    """Sends notify messages; a no-op when not started by systemd (no NOTIFY_SOCKET)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        environ = os.environ if env is None else env
        self._addr = _address(environ.get("NOTIFY_SOCKET", ""))
        self._sock: socket.socket | None = None
        if self._addr is not None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.setblocking(False)
        self.watchdog = watchdog_from_env(environ, os.getpid())

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def send(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines (keys upper-cased); False if it could not be delivered."""
        if self._sock is None or self._addr is None:
            return False
        lines = []
        for key, value in fields.items():
            text = str(value).replace("\n", " ")
            lines.append(f"{key.upper()}={text}")
        try:
            self._sock.sendto("\n".join(lines).encode("utf-8", "replace"), self._addr)
        except OSError:
            return False
        return True

    def ready(self, status: str = "") -> bool:
        if status:
            return self.send(ready=1, status=status, mainpid=os.getpid())
        return self.send(ready=1, mainpid=os.getpid())

    def status(self, text: str) -> bool:
        return self.send(status=text)

    def reloading(self) -> bool:
        """``RELOADING=1`` with ``MONOTONIC_USEC`` (required by ``Type=notify-reload``)."""
        return self.send(reloading=1, monotonic_usec=time.monotonic_ns() // 1000)

    def stopping(self) -> bool:
        return self.send(stopping=1)

    def ping_watchdog(self) -> bool:
        return self.send(watchdog=1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
