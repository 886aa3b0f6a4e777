"""EDGE: Heartbeat-style logging.

Lines ``Mon DD HH:MM:SS NODE ha_agents: [PID]: LEVEL: text`` (``ident`` replaces
``ha_agents``, e.g. ``heartbeat``) go to ha.cf's ``logfile``
(everything but debug) and ``debugfile`` (everything, with the ``key=value`` suffix);
``logfacility`` sends them to syslog (/dev/log, or ``syslog_path``) with that facility;
if the syslog daemon restarts, the socket is reconnected at the next line.  With none
of the three set, lines go to stderr.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from typing import TextIO

from ha_agents.notice import Level, Notice

PRIORITY = {"debug": 7, "info": 6, "WARN": 4, "ERROR": 3, "CRIT": 2}
FACILITIES = {
    "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
    "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
    **{f"local{i}": 16 + i for i in range(8)},
}  # fmt: skip


class HbLog:
    def __init__(
        self,
        node: str,
        logfile: str | None = None,
        debugfile: str | None = None,
        logfacility: str | None = None,
        stderr: bool | None = None,
        *,
        syslog_path: str = "/dev/log",
        ident: str = "ha_agents",
    ) -> None:
        self.node = node
        self.ident = ident  # "heartbeat" makes lines match existing grep/logcheck rules
        self.pid = os.getpid()
        self.paths = [(p, debug) for p, debug in ((logfile, False), (debugfile, True)) if p]
        self.files: list[tuple[TextIO, bool]] = []  # (file, include debug + suffix)
        self._open_files()
        self.facility = FACILITIES.get(logfacility or "")
        self.syslog_path = syslog_path
        self.syslog: socket.socket | None = None
        unreachable = ""  # why syslog cannot be reached now (it is retried at every line)
        if self.facility is not None:
            try:
                self.syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self.syslog.setblocking(False)
                self.syslog.connect(syslog_path)
            except OSError as exc:
                unreachable = exc.strerror or str(exc)
        reached = self.syslog is not None and not unreachable
        self.stderr = stderr if stderr is not None else not (self.files or reached)
        if unreachable:  # never drop ha.cf's logfacility silently
            to = "the logfile" if self.files else "stderr"
            self.log(
                Level.WARN,
                f"logfacility {logfacility}: no syslog at {syslog_path} ({unreachable}); "
                f"logging to {to} until it appears",
            )

    def _open_files(self) -> None:
        for path, debug in self.paths:
            try:
                self.files.append((open(path, "a", encoding="utf-8", buffering=1), debug))  # noqa: SIM115
            except OSError as exc:
                print(f"ha_agents: cannot open log file {path}: {exc}", file=sys.stderr)

    def reopen(self) -> None:
        """Close and re-open logfile and debugfile (after logrotate moved them away)."""
        for fh, _ in self.files:
            with contextlib.suppress(OSError):
                fh.close()
        self.files = []
        self._open_files()

    def notice(self, notice: Notice) -> None:
        self.log(notice.level, notice.text, notice.reason)

    def log(self, level: Level, text: str, suffix: str = "") -> None:
        stamp = time.strftime("%b %d %H:%M:%S")
        body = f"{self.ident}: [{self.pid}]: {level.value}: {text}"
        line = f"{stamp} {self.node} {body}"
        for fh, debug in self.files:
            if level is Level.DEBUG and not debug:
                continue
            with contextlib.suppress(OSError):
                fh.write(f"{line}  [{suffix}]\n" if debug and suffix else line + "\n")
        if self.syslog is not None and self.facility is not None:
            pri = self.facility * 8 + PRIORITY[level.value]
            msg = f"<{pri}>{time.strftime('%b %d %H:%M:%S')} {body}"
            data = msg.encode("utf-8", "replace")
            try:
                self.syslog.send(data)
            except BlockingIOError:
                pass  # syslog is backed up: drop the line rather than block the loop
            except OSError:  # the syslog daemon restarted: reconnect once
                with contextlib.suppress(OSError):
                    self.syslog.connect(self.syslog_path)
                    self.syslog.send(data)
        if self.stderr and level is not Level.DEBUG:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

    def info(self, text: str) -> None:
        self.log(Level.INFO, text)

    def close(self) -> None:
        for fh, _ in self.files:
            with contextlib.suppress(OSError):
                fh.close()
        if self.syslog is not None:
            self.syslog.close()
