"""ha.cf: per-line grammar and build into :class:`HaCf` (pure; see docs/config.md).

Rules (verified on Heartbeat 3.0.6, ../shared/spec/config.md): the directive is the
first word and is case sensitive; ``#`` anywhere starts a comment; values are split on
blanks, tabs and commas and handed to the directive one by one (the last wins); a
directive with no value is a no-op; media, ``respawn``, ``apiauth`` and friends take
the whole rest of the line.  Every bad line is reported; checks that need the machine
(interfaces, devices, names) are in :mod:`ha_agents.config.crosscheck`.  Tables:
:mod:`hacf_table`; media and whole-line directives: :mod:`hacf_media`.
"""

from __future__ import annotations

import functools

import pyparsing as pp

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.hacf_media import line_directive, medium_word
from ha_agents.config.hacf_state import Builder
from ha_agents.config.hacf_table import (
    ALL_DIRECTIVES,
    BOOL_DIRECTIVES,
    CASELESS_CHOICES,
    CHOICES,
    DEFAULT_PARAMETERS,
    INT_DIRECTIVES,
    LINE_DIRECTIVES,
    NO_EFFECT,
    PACEMAKER_TRUE,
    STRING_DIRECTIVES,
    TIME_DIRECTIVES,
    VALUE_SEPARATORS,
)
from ha_agents.config.lines import SourceLine, hacf_lines, show, words
from ha_agents.config.model import AutoFailback, HaCf
from ha_agents.config.values import (
    BAUD_RATES,
    FACILITIES,
    close_match,
    parse_bool,
    parse_int,
    parse_leading_int,
    parse_time_ms,
)

_BLANK_CHARS = " \t\r\f\v"
DIRECTIVE = pp.Regex(r"[^ \t\r\f\v]+").set_name("directive")
LINE = (
    DIRECTIVE("directive") + pp.Optional(pp.Regex(r".+", flags=0)("rest")) + pp.StringEnd()
).set_whitespace_chars(_BLANK_CHARS, copy_defaults=False)
LINE.set_name("ha.cf line")
for _el in (DIRECTIVE,):
    _el.set_whitespace_chars(_BLANK_CHARS, copy_defaults=False)


def parse_hacf(text: str, path: str) -> tuple[HaCf, list[Diagnostic]]:
    """Parse ha.cf text; the model is always returned (partial if there are errors)."""
    b = Builder(path)
    for line in hacf_lines(text):
        if line.blank:
            continue
        _parse_line(b, line)
    return _build(b), b.diags


@functools.lru_cache(maxsize=1024)
def split_line(text: str) -> tuple[str, str] | None:
    """(directive, rest of the line) by the LINE grammar; memoized for repeated lines."""
    try:
        res = LINE.parse_string(text)
    except pp.ParseException:
        return None
    return str(res["directive"]), str(res["rest"]) if "rest" in res else ""


def _parse_line(b: Builder, line: SourceLine) -> None:
    split = split_line(line.text)
    if split is None:  # pragma: no cover - the grammar accepts any non-blank line
        b.err(line.lineno, "HA102", f"cannot read line '{show(line.text)}'")
        return
    directive, rest = split
    n = line.lineno
    if directive not in ALL_DIRECTIVES:
        hint = close_match(directive, list(ALL_DIRECTIVES))
        extra = f" (did you mean '{hint}'?)" if hint else ""
        if directive == "hbaping":
            extra = " (documented, but Heartbeat 3.0.6 has no hbaping plugin)"
        elif "=" in directive:
            extra = " (write 'name value', not 'name=value')"
        b.err(n, "HA102", f"unknown directive '{show(directive)}'{extra}")
        return
    if directive in b.seen and directive not in _REPEATABLE:
        b.warn(
            n,
            "HA153",
            f"'{directive}' already set on line {b.seen[directive]}; the last one wins",
        )
    b.seen.setdefault(directive, n)
    if directive in LINE_DIRECTIVES:
        line_directive(b, directive, words(rest), n)
        b.locations.setdefault(directive, b.loc(n))
        return
    values = words(rest, VALUE_SEPARATORS)
    if not values:
        if directive not in ("ping",):
            b.warn(n, "HA150", f"'{directive}' has no value; Heartbeat ignores the line")
        return
    if len(values) > 1 and directive not in _MULTI_WORD:
        b.warn(
            n,
            "HA152",
            f"'{directive}' given {len(values)} values; Heartbeat uses the last "
            f"('{show(values[-1])}')",
        )
    if directive in NO_EFFECT:
        b.warn(n, "HA160", f"'{directive}' is accepted but has no effect in ha_agents")
    for value in values:
        _word(b, directive, value, n)
    b.locations[directive] = b.loc(n) if directive != "node" else b.locations.get("node", b.loc(n))


_REPEATABLE = frozenset(
    {"node", "bcast", "udp", "serial", "ping", "ping6", *LINE_DIRECTIVES, "crm", "pacemaker"}
)
_MULTI_WORD = frozenset({"node", "bcast", "udp", "serial", "ping", "ping6", "watchdog"})


def _word(b: Builder, d: str, v: str, n: int) -> None:
    shown = show(v)
    if d == "node":
        if v.lower() in (x.lower() for x in b.nodes):
            b.warn(n, "HA167", f"node '{shown}' is listed twice")
        else:
            b.nodes.append(v)
            b.entry("node", n)
        return
    if d in TIME_DIRECTIVES:
        ms = parse_time_ms(v)
        if ms is None:
            b.err(n, "HA103", f"{d}: bad time '{shown}' (seconds, or a number with ms or us)")
            return
        if d in ("keepalive", "warntime") and ms <= 0:
            b.err(n, "HA104", f"{d} must be greater than 0 (got '{shown}')")
            return
        b.times[d] = ms
        b.values[d] = v
        return
    if d in BOOL_DIRECTIVES or d == "nice_failback":
        val = parse_bool(v)
        if val is None:
            b.err(n, "HA105", f"{d}: '{shown}' is not a boolean (use on/off, yes/no, true/false)")
            return
        if d == "nice_failback":
            b.nice_failback_line = n
            # verified: alone, on and off both become legacy; after an explicit
            # auto_failback, 'nice_failback on' "has been changed to 'auto_failback off'"
            after_af = "auto_failback" in b.seen and b.seen["auto_failback"] < n
            mode = AutoFailback.OFF if after_af and val else AutoFailback.LEGACY
            if after_af and not val:
                mode = b.auto_failback  # not verified: keep the explicit setting
            b.auto_failback = mode
            b.values["auto_failback"] = mode.value
            b.warn(
                n,
                "HA158",
                f"nice_failback is obsolete: Heartbeat turns 'nice_failback {shown}' into "
                f"'auto_failback {mode.value}'; write 'auto_failback on' or 'off' instead",
            )
            return
        b.values[d] = v
        return
    if d in INT_DIRECTIVES:
        if parse_leading_int(v) is None:
            b.err(n, "HA106", f"{d}: '{shown}' is not a number")
            return
        b.values[d] = v
        return
    if d in CHOICES:
        if (v.lower() if d in CASELESS_CHOICES else v) not in CHOICES[d]:
            b.err(n, "HA107", f"{d}: invalid value '{shown}' (one of {', '.join(CHOICES[d])})")
            return
        b.values[d] = v.lower() if d in CASELESS_CHOICES else v
        return
    if d in STRING_DIRECTIVES:
        num = parse_leading_int(v)
        if d == "debug" and num is None:
            b.warn(n, "HA164", f"debug '{shown}' is not a number; debugging stays off")
        if d in ("debug", "hopfudge") and num is not None and not 0 <= num <= 255:
            b.err(n, "HA106", f"{d} '{shown}' out of range (0-255)")
            return
        b.values[d] = v
        return
    if d == "auto_failback":
        low = v.lower()
        if low == "legacy":
            b.auto_failback = AutoFailback.LEGACY
        else:
            val = parse_bool(v)
            if val is None:
                b.err(n, "HA107", f"auto_failback: invalid value '{shown}' (on, off or legacy)")
                return
            b.auto_failback = AutoFailback.ON if val else AutoFailback.OFF
        b.values[d] = v
        return
    if d == "watchdog":
        if b.watchdog is not None:
            b.err(n, "HA112", "watchdog device multiply specified")
            return
        b.watchdog = v
        b.values[d] = v
        return
    if d == "baud":
        rate = parse_int(v)
        if rate is None or rate not in BAUD_RATES:
            b.err(n, "HA109", f"invalid baudrate '{shown}'")
            return
        b.baud = rate
        b.values[d] = v
        return
    if d == "udpport":
        port = parse_leading_int(v)
        if port is None or port <= 0:
            b.err(n, "HA108", f"invalid port '{shown}' (udpport takes a number)")
            return
        if port > 65535:
            b.warn(
                n,
                "HA162",
                f"udpport {port} is above 65535: Heartbeat binds port {port % 65536}",
            )
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
        return
    if d == "logfacility":
        if v not in FACILITIES:
            hint = " (facility names are lower case)" if v.lower() in FACILITIES else ""
            b.err(n, "HA110", f"log facility '{shown}' not valid{hint}")
            return
        b.values[d] = v
        return
    if d == "rtprio":
        prio = parse_int(v)
        if prio is None or not 1 <= prio <= 99:
            b.err(n, "HA111", f"illegal realtime priority '{shown}' (1-99)")
            return
        b.values[d] = v
        return
    if d == "crm_daemon_dir":
        b.err(n, "HA113", "crm_daemon_dir is a Pacemaker (v2) directive; Heartbeat refuses it here")
        return
    if d in ("crm", "pacemaker"):
        b.pacemaker_lines.append(n)
        if len(b.pacemaker_lines) > 1:
            b.err(n, "HA115", "pacemaker/crm directive used multiple times")
            return
        low = v.lower()
        val = parse_bool(v)
        if val is None and low not in PACEMAKER_TRUE:
            b.err(n, "HA107", f"{d}: invalid value '{shown}'")
            return
        if val is None or val:
            b.pacemaker = True
        else:
            b.warn(n, "HA160", f"'{d} {shown}' is the default (haresources mode); no effect")
        b.values["pacemaker"] = "true" if b.pacemaker else "false"
        return
    medium_word(b, d, v, n)


def _build(b: Builder) -> HaCf:
    params = dict(DEFAULT_PARAMETERS)
    params.update(b.values)
    deadtime = b.times.get("deadtime", 30000)
    for name in ("initdead", "deadping"):
        if name not in b.values:
            params[name] = f"{deadtime}ms"
    if "warntime" not in b.values:
        params.pop("warntime", None)
    debug = parse_int(b.values.get("debug", "0")) or 0
    rtprio = parse_int(b.values["rtprio"]) if "rtprio" in b.values else None
    realtime = parse_bool(b.values.get("realtime", "true"))
    use_logd = parse_bool(b.values.get("use_logd", "no"))
    return HaCf(
        nodes=tuple(b.nodes),
        media=tuple(b.media),
        keepalive_ms=b.times.get("keepalive", 1000),
        deadtime_ms=deadtime,
        warntime_ms=b.times.get("warntime"),
        initdead_ms=b.times.get("initdead"),
        deadping_ms=b.times.get("deadping"),
        udpport=b.udpport,
        auto_failback=b.auto_failback,
        cluster=b.values.get("cluster", "linux-ha"),
        ping_nodes=tuple(b.pings),
        logfile=b.values.get("logfile"),
        debugfile=b.values.get("debugfile"),
        logfacility=b.values.get("logfacility"),
        debug=debug,
        hopfudge=parse_int(b.values.get("hopfudge", "1")) or 1,
        respawn=tuple(b.respawn),
        stonith_hosts=tuple(b.stonith_hosts),
        parameters=params,
        locations=dict(b.locations),
        baud=b.baud,
        watchdog=b.watchdog,
        realtime=realtime if realtime is not None else True,
        rtprio=rtprio,
        msgfmt=b.values.get("msgfmt", "classic"),
        use_logd=bool(use_logd),
        pacemaker=b.pacemaker,
        autojoin=b.values.get("autojoin", "none"),
        failfast=tuple(b.failfast),
        stonith=tuple(b.stonith),
        apiauth=tuple(b.apiauth),
        entry_locations={k: tuple(v) for k, v in b.entry_locs.items()},
    )
