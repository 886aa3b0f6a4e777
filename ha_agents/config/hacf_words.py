"""ha.cf: what each directive does with one of its values — a keyword table.

``WORDS[directive](builder, directive, value, lineno)`` checks the value as Heartbeat
3.0.6 does and records it in the builder (hacf_state.py), or reports why not.  Media
directives are not in the table: hacf_media.medium_word handles them.
"""

from __future__ import annotations

from collections.abc import Callable

from ha_agents.config.hacf_state import Builder
from ha_agents.config.hacf_table import (
    BOOL_DIRECTIVES,
    CASELESS_CHOICES,
    CHOICES,
    INT_DIRECTIVES,
    PACEMAKER_TRUE,
    STRING_DIRECTIVES,
    TIME_DIRECTIVES,
)
from ha_agents.config.lines import show
from ha_agents.config.model import AutoFailback
from ha_agents.config.values import (
    BAUD_RATES,
    FACILITIES,
    parse_bool,
    parse_int,
    parse_leading_int,
    parse_time_ms,
)

Handler = Callable[[Builder, str, str, int], None]


def _node(b: Builder, d: str, v: str, n: int) -> None:
    if v.lower() in (x.lower() for x in b.nodes):
        b.warn(n, "HA167", f"node '{show(v)}' is listed twice")
    else:
        b.nodes.append(v)
        b.entry("node", n)


def _time(b: Builder, d: str, v: str, n: int) -> None:
    ms = parse_time_ms(v)
    if ms is None:
        b.err(n, "HA103", f"{d}: bad time '{show(v)}' (seconds, or a number with ms or us)")
        return
    if d in ("keepalive", "warntime") and ms <= 0:
        b.err(n, "HA104", f"{d} must be greater than 0 (got '{show(v)}')")
        return
    b.times[d] = ms
    b.values[d] = v


def _bool(b: Builder, d: str, v: str, n: int) -> None:
    if parse_bool(v) is None:
        b.err(n, "HA105", f"{d}: '{show(v)}' is not a boolean (use on/off, yes/no, true/false)")
        return
    b.values[d] = v


def _nice_failback(b: Builder, d: str, v: str, n: int) -> None:
    val = parse_bool(v)
    if val is None:
        _bool(b, d, v, n)
        return
    b.nice_failback_line = n
    # verified: alone, on and off both become legacy; after an explicit auto_failback,
    # 'nice_failback on' "has been changed to 'auto_failback off'"
    after_af = "auto_failback" in b.seen and b.seen["auto_failback"] < n
    mode = AutoFailback.OFF if after_af and val else AutoFailback.LEGACY
    if after_af and not val:
        mode = b.auto_failback  # not verified: keep the explicit setting
    b.auto_failback = mode
    b.values["auto_failback"] = mode.value
    b.warn(
        n,
        "HA158",
        f"nice_failback is obsolete: Heartbeat turns 'nice_failback {show(v)}' into "
        f"'auto_failback {mode.value}'; write 'auto_failback on' or 'off' instead",
    )


def _int(b: Builder, d: str, v: str, n: int) -> None:
    if parse_leading_int(v) is None:
        b.err(n, "HA106", f"{d}: '{show(v)}' is not a number")
        return
    b.values[d] = v


def _choice(b: Builder, d: str, v: str, n: int) -> None:
    value = v.lower() if d in CASELESS_CHOICES else v
    if value not in CHOICES[d]:
        b.err(n, "HA107", f"{d}: invalid value '{show(v)}' (one of {', '.join(CHOICES[d])})")
        return
    b.values[d] = value


def _string(b: Builder, d: str, v: str, n: int) -> None:
    num = parse_leading_int(v)
    if d == "debug" and num is None:
        b.warn(n, "HA164", f"debug '{show(v)}' is not a number; debugging stays off")
    if d in ("debug", "hopfudge") and num is not None and not 0 <= num <= 255:
        b.err(n, "HA106", f"{d} '{show(v)}' out of range (0-255)")
        return
    b.values[d] = v


def _auto_failback(b: Builder, d: str, v: str, n: int) -> None:
    if v.lower() == "legacy":
        b.auto_failback = AutoFailback.LEGACY
    else:
        val = parse_bool(v)
        if val is None:
            b.err(n, "HA107", f"auto_failback: invalid value '{show(v)}' (on, off or legacy)")
            return
        b.auto_failback = AutoFailback.ON if val else AutoFailback.OFF
    b.values[d] = v


def _watchdog(b: Builder, d: str, v: str, n: int) -> None:
    if b.watchdog is not None:
        b.err(n, "HA112", "watchdog device multiply specified")
        return
    b.watchdog = v
    b.values[d] = v


def _baud(b: Builder, d: str, v: str, n: int) -> None:
    rate = parse_int(v)
    if rate is None or rate not in BAUD_RATES:
        b.err(n, "HA109", f"invalid baudrate '{show(v)}'")
        return
    b.baud = rate
    b.values[d] = v


def _udpport(b: Builder, d: str, v: str, n: int) -> None:
    port = parse_leading_int(v)
    if port is None or port <= 0:
        b.err(n, "HA108", f"invalid port '{show(v)}' (udpport takes a number)")
        return
    if port > 65535:
        b.warn(n, "HA162", f"udpport {port} is above 65535: Heartbeat binds port {port % 65536}")
    if b.udp_media_lines:
        b.warn(
            n,
            "HA151",
            f"udpport comes after the media on line {b.udp_media_lines[0]}: Heartbeat "
            "does not apply it to them; put udpport before bcast/ucast",
        )
    b.udpport = port % 65536
    b.udpport_set_at = n
    b.values[d] = v


def _logfacility(b: Builder, d: str, v: str, n: int) -> None:
    if v not in FACILITIES:
        hint = " (facility names are lower case)" if v.lower() in FACILITIES else ""
        b.err(n, "HA110", f"log facility '{show(v)}' not valid{hint}")
        return
    b.values[d] = v


def _rtprio(b: Builder, d: str, v: str, n: int) -> None:
    prio = parse_int(v)
    if prio is None or not 1 <= prio <= 99:
        b.err(n, "HA111", f"illegal realtime priority '{show(v)}' (1-99)")
        return
    b.values[d] = v


def _crm_daemon_dir(b: Builder, d: str, v: str, n: int) -> None:
    b.err(n, "HA113", "crm_daemon_dir is a Pacemaker (v2) directive; Heartbeat refuses it here")


def _pacemaker(b: Builder, d: str, v: str, n: int) -> None:
    b.pacemaker_lines.append(n)
    if len(b.pacemaker_lines) > 1:
        b.err(n, "HA115", "pacemaker/crm directive used multiple times")
        return
    val = parse_bool(v)
    if val is None and v.lower() not in PACEMAKER_TRUE:
        b.err(n, "HA107", f"{d}: invalid value '{show(v)}'")
        return
    if val is None or val:
        b.pacemaker = True
    else:
        b.warn(n, "HA160", f"'{d} {show(v)}' is the default (haresources mode); no effect")
    b.values["pacemaker"] = "true" if b.pacemaker else "false"


def _table() -> dict[str, Handler]:
    """Directive -> handler.  Where a directive is in two categories, the first one
    listed here wins."""
    table: dict[str, Handler] = {"node": _node}
    categories: tuple[tuple[tuple[str, ...] | frozenset[str], Handler], ...] = (
        (TIME_DIRECTIVES, _time),
        ((*BOOL_DIRECTIVES, "nice_failback"), _bool),
        (INT_DIRECTIVES, _int),
        (tuple(CHOICES), _choice),
        (STRING_DIRECTIVES, _string),
    )
    for names, handler in categories:
        for name in names:
            table.setdefault(name, handler)
    table["nice_failback"] = _nice_failback
    specials: dict[str, Handler] = {
        "auto_failback": _auto_failback,
        "watchdog": _watchdog,
        "baud": _baud,
        "udpport": _udpport,
        "logfacility": _logfacility,
        "rtprio": _rtprio,
        "crm_daemon_dir": _crm_daemon_dir,
        "crm": _pacemaker,
        "pacemaker": _pacemaker,
    }
    for name, handler in specials.items():
        table.setdefault(name, handler)
    return table


WORDS: dict[str, Handler] = _table()
