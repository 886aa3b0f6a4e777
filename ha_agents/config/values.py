"""Value grammars shared by the ha.cf directives (pyparsing, pure).

Each grammar is built once, named with ``set_name``, and ends in ``END`` (the same as
``parse_all=True``, without building a new element on every call); the helpers are
memoized and return ``None`` for a value Heartbeat 3.0.6 refuses.
"""

from __future__ import annotations

import functools
import ipaddress

import pyparsing as pp

_NUM = pp.Regex(r"[0-9]+(\.[0-9]*)?|\.[0-9]+").set_name("number")
_UNIT = (pp.CaselessLiteral("ms") | pp.CaselessLiteral("us")).set_name("unit")
END = pp.StringEnd().set_name("end of value")
TIME = (
    (_NUM("number") + pp.Optional(_UNIT("unit")) + END)
    .leave_whitespace()
    .set_name("time (seconds, or with ms/us)")
)
INTEGER = (pp.Regex(r"[0-9]+") + END).leave_whitespace().set_name("integer")

TRUE_WORDS = frozenset({"true", "yes", "on", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "n", "0"})

# Facility names Heartbeat's logging library knows (lower case only).
FACILITIES = frozenset(
    {
        "auth",
        "authpriv",
        "cron",
        "daemon",
        "ftp",
        "kern",
        "lpr",
        "mail",
        "mark",
        "news",
        "security",
        "syslog",
        "user",
        "uucp",
        "local0",
        "local1",
        "local2",
        "local3",
        "local4",
        "local5",
        "local6",
        "local7",
        "none",
    }
)

# termios speeds Heartbeat's serial medium accepts.
BAUD_RATES = frozenset({9600, 19200, 38400, 57600, 115200, 230400, 460800})


@functools.lru_cache(maxsize=4096)
def parse_time_ms(text: str) -> int | None:
    """``2`` / ``1.5`` (seconds), ``500ms``, ``500000us`` -> milliseconds; else None."""
    try:
        res = TIME.parse_string(text)
    except pp.ParseException:
        return None
    number = float(res["number"])
    unit = str(res["unit"]).lower() if "unit" in res else ""
    if unit == "ms":
        return int(number)
    if unit == "us":
        return int(number / 1000)
    return int(number * 1000)


@functools.lru_cache(maxsize=4096)
def parse_int(text: str) -> int | None:
    try:
        return int(INTEGER.parse_string(text)[0])
    except pp.ParseException:
        return None


_LEADING_INT = pp.Regex(r"[+-]?[0-9]+").leave_whitespace().set_name("leading integer")


@functools.lru_cache(maxsize=4096)
def parse_leading_int(text: str) -> int | None:
    """C ``atoi`` on a word that must start with a number: ``694x`` -> 694, ``abc`` -> None."""
    try:
        return int(_LEADING_INT.parse_string(text)[0])
    except pp.ParseException:
        return None


def parse_bool(text: str) -> bool | None:
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return None


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_ipv4_multicast(text: str) -> bool:
    return is_ipv4(text) and ipaddress.IPv4Address(text).is_multicast


def is_ipv6_multicast(text: str) -> bool:
    return is_ipv6(text) and ipaddress.IPv6Address(text.split("%", 1)[0]).is_multicast


def close_match(word: str, choices: list[str]) -> str | None:
    """A likely intended spelling (case-insensitive match or edit distance 1-2)."""
    low = word.lower()
    for c in choices:
        if c.lower() == low:
            return c
    best: tuple[int, str] | None = None
    for c in choices:
        d = _distance(low, c)
        if d <= 2 and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def _distance(a: str, b: str) -> int:
    if abs(len(a) - len(b)) > 2:
        return 3
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
