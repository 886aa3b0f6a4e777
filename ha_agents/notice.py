"""One log line as the pure layers emit it: Heartbeat's level and wording, plus a stable
``key=value`` suffix.  A leaf module: membership, failover and the client API all use it;
the daemon's log (daemon/logsetup.py) writes it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

Fields = tuple[tuple[str, str], ...]


class Level(enum.Enum):
    """Heartbeat's log levels, spelled as its log lines spell them."""

    DEBUG = "debug"
    INFO = "info"
    WARN = "WARN"
    ERROR = "ERROR"
    CRIT = "CRIT"


@dataclass(frozen=True, slots=True)
class Notice:
    """One log line: ``text`` is Heartbeat's wording; ``fields`` a stable key=value suffix."""

    level: Level
    text: str
    fields: Fields = ()

    @property
    def reason(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.fields)


def fields(text: str) -> Fields:
    """``"event=x node=y"`` as fields (words without ``=`` are left out)."""
    pairs = []
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key:
            pairs.append((key, value))
    return tuple(pairs)
