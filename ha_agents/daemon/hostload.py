"""EDGE: the load average Heartbeat puts in every status message (``ld``)."""

from __future__ import annotations

LOADAVG_EVERY_S = 5.0  # the kernel recomputes /proc/loadavg every 5 s: read it that often


def loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return "0.00 0.00 0.00 1/1 1"
