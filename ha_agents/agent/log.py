"""Agent logging that goes where the caller looks (edge module).

* heartbeat-class (Heartbeat's ResourceManager): ``HA_LOGFILE`` gets
  ``DATE NAME[PID]:    level: message`` lines (info and up) and ``HA_DEBUGLOG``
  ``NAME[PID]:<TAB>DATE level: message`` (every line), like Heartbeat's own scripts;
  syslog when ``HA_LOGFACILITY`` is set; stderr only when none of them is (Heartbeat
  sends a script's stderr to the debug log anyway).
* OCF (Pacemaker, ocf-tester): stderr ``NAME(INSTANCE)[PID]: LEVEL: message`` plus syslog
  (facility ``HA_LOGFACILITY``, default ``daemon``) — the ``ocf_log`` layout.  Debug
  lines only with ``HA_debug=1``.
* LSB: stderr ``NAME: LEVEL: message`` plus syslog for warnings and errors.

Logging must never break an agent: an unwritable log file or a missing ``/dev/log``
is skipped.  stdout is never used (Heartbeat greps it for ``running``).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Mapping
from typing import TextIO

from ha_agents.agent.conventions import Convention

HEARTBEAT_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "WARN",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRIT",
}
OCF_LEVELS = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRIT",
}
SYSLOG_SOCKET = "/dev/log"
DEFAULT_DATEFMT = "%Y/%m/%d_%H:%M:%S "


class _Format(logging.Formatter):
    """``layout`` is ``"plain"`` (TAG: LEVEL: msg), ``"logfile"`` or ``"debuglog"``.

    The last two copy Heartbeat's shell logging: its log file gets
    ``DATE TAG:    level: msg`` and its debug log ``TAG:<TAB>DATE level: msg``, the date
    formatted by ``HA_DATEFMT`` (Heartbeat's default ``%Y/%m/%d_%T`` plus a blank).
    """

    def __init__(
        self, tag: str, levels: Mapping[int, str], layout: str = "plain", datefmt: str = ""
    ) -> None:
        super().__init__()
        self.tag = tag
        self.levels = levels
        self.layout = layout
        self.date_format = datefmt or DEFAULT_DATEFMT

    def format(self, record: logging.LogRecord) -> str:
        level = self.levels.get(record.levelno, record.levelname)
        msg = record.getMessage()
        if self.layout == "plain":
            return f"{self.tag}: {level}: {msg}"
        date = _strftime(self.date_format, record.created)
        if self.layout == "logfile":
            return f"{date} {self.tag}:    {level}: {msg}"
        return f"{self.tag}:\t{date}{level}: {msg}"


def _strftime(fmt: str, when: float) -> str:
    try:
        return time.strftime(fmt, time.localtime(when))
    except ValueError:
        return time.strftime(DEFAULT_DATEFMT, time.localtime(when))


class _SafeFile(logging.Handler):
    """Append one line per record; open per write (log rotation safe), ignore errors."""

    def __init__(self, path: str, level: int) -> None:
        super().__init__(level)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except (OSError, ValueError):
            pass


class _SafeStream(logging.StreamHandler[TextIO]):
    def handleError(self, record: logging.LogRecord) -> None:
        pass


def _syslog(
    tag: str, facility: str, level: int, levels: Mapping[int, str], address: str
) -> logging.Handler | None:
    fac = logging.handlers.SysLogHandler.facility_names.get(facility.lower())
    if fac is None:
        fac = logging.handlers.SysLogHandler.LOG_DAEMON
    if not os.path.exists(address):
        return None
    try:
        handler = logging.handlers.SysLogHandler(address=address, facility=fac)
    except OSError:
        return None
    handler.setLevel(level)
    handler.ident = f"{tag}: "
    handler.setFormatter(_Bare(levels))
    handler.handleError = lambda record: None  # type: ignore[method-assign]
    return handler


class _Bare(logging.Formatter):
    def __init__(self, levels: Mapping[int, str]) -> None:
        super().__init__()
        self.levels = levels

    def format(self, record: logging.LogRecord) -> str:
        return f"{self.levels.get(record.levelno, record.levelname)}: {record.getMessage()}"


def setup(
    name: str,
    instance: str,
    convention: Convention,
    env: Mapping[str, str],
    stderr: TextIO | None = None,
    syslog_address: str = SYSLOG_SOCKET,
) -> logging.Logger:
    """Return a logger for one agent run, wired for ``convention`` and ``env``."""
    logger = logging.getLogger(f"ha_agents.agent.run.{name}")
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    pid = os.getpid()
    err = stderr if stderr is not None else sys.stderr
    debug = env.get("HA_debug", "0") not in ("", "0") or env.get("HA_DEBUG", "0") not in ("", "0")
    handlers: list[logging.Handler] = []
    if convention is Convention.HEARTBEAT:
        tag = f"{name}[{pid}]"
        datefmt = env.get("HA_DATEFMT", "")
        logfile = env.get("HA_LOGFILE", "")
        debuglog = env.get("HA_DEBUGLOG", "")
        facility = env.get("HA_LOGFACILITY", "")
        if logfile:
            fmt = _Format(tag, HEARTBEAT_LEVELS, "logfile", datefmt)
            handlers.append(_with(_SafeFile(logfile, logging.INFO), fmt))
        if debuglog:
            fmt = _Format(tag, HEARTBEAT_LEVELS, "debuglog", datefmt)
            handlers.append(_with(_SafeFile(debuglog, logging.DEBUG), fmt))
        if facility and facility != "none":
            sys_h = _syslog(tag, facility, logging.INFO, HEARTBEAT_LEVELS, syslog_address)
            if sys_h is not None:
                handlers.append(sys_h)
        if not (logfile or debuglog or (facility and facility != "none")):
            fmt = _Format(tag, HEARTBEAT_LEVELS, "plain")
            handlers.append(_with(_SafeStream(err), fmt, logging.DEBUG if debug else logging.INFO))
    else:
        ocf = convention is Convention.OCF
        tag = f"{name}({instance})[{pid}]" if ocf else name
        levels = OCF_LEVELS
        stream_level = logging.DEBUG if debug else (logging.INFO if ocf else logging.WARNING)
        handlers.append(_with(_SafeStream(err), _Format(tag, levels), stream_level))
        facility = env.get("HA_LOGFACILITY", "") or "daemon"
        if facility != "none":
            sys_level = logging.INFO if ocf else logging.WARNING
            sys_h = _syslog(tag, facility, sys_level, levels, syslog_address)
            if sys_h is not None:
                handlers.append(sys_h)
    for handler in handlers:
        logger.addHandler(handler)
    return logger


def _with(
    handler: logging.Handler, fmt: logging.Formatter, level: int | None = None
) -> logging.Handler:
    handler.setFormatter(fmt)
    if level is not None:
        handler.setLevel(level)
    return handler
