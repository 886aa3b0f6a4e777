"""ha.cf: per-line grammar and build into :class:`HaCf` (pure; see docs/config.md).

Rules (verified on Heartbeat 3.0.6, docs/heartbeat/config.md): the directive is the
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
    DEFAULT_PARAMETERS,
    LINE_DIRECTIVES,
    NO_EFFECT,
    VALUE_SEPARATORS,
)
from ha_agents.config.hacf_words import WORDS
from ha_agents.config.lines import SourceLine, hacf_lines, show, words
from ha_agents.config.model import HaCf
from ha_agents.config.values import (
    close_match,
    parse_bool,
    parse_int,
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
    WORDS.get(d, medium_word)(b, d, v, n)


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
