"""``monitor`` lines of failover.cf: which resources ha_agents checks while they run, how
often, and what it does when one fails (pure; Heartbeat 3.0.6 never reads failover.cf).

    monitor RESOURCE [interval=S] [timeout=S] [restarts=N] [window=S] [depth=N]

RESOURCE is a resource exactly as haresources writes it (``httpd::lighttpd::/etc/x.conf``,
``192.0.2.50``), or a script name (``httpd``, ``IPaddr``, ``ocf:heartbeat:IPaddr2``)
meaning every resource of that script; an exact line wins over a script-name line.
Seconds are ``5``, ``1.5``, ``5s`` or ``500ms``.

* ``interval`` (default 10 s): time from one check's start to the next (never two at once);
* ``timeout`` (default 20 s): a check still running then is killed (its whole process
  tree) and counts as a failure;
* ``restarts`` (default 3) within ``window`` (default 300 s): a failure restarts the
  resource in place (it and the resources after it in the group) while there were at most
  ``restarts`` failures within the last ``window`` seconds; the next failure hands the
  whole group to the peer, and this node refuses it back for ``window`` seconds;
* ``depth`` (default none): ``OCF_CHECK_LEVEL`` for an OCF agent's monitor.

``parse_monitor(rest, loc)`` gives a :class:`MonitorSpec` or what is wrong (HF605);
``bind(specs, groups)`` pairs them with the haresources resources (HF606 warning: matches
nothing; HF607 error: the same RESOURCE twice); ``timing(...)`` judges a check's measured
run time (``check`` runs each once): HF609 interval shorter than the check, HF610 the
check outlasts its timeout, HF611 it gives no answer, HF690 a note of the time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ha_agents.config.diagnostics import Diagnostic, error, note, warning
from ha_agents.config.model import Location, ResourceGroup

DEFAULT_INTERVAL_S = 10.0
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_RESTARTS = 3
DEFAULT_WINDOW_S = 300.0
MIN_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class MonitorSpec:
    """One ``monitor`` line."""

    target: str
    loc: Location
    interval_s: float = DEFAULT_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    restarts: int = DEFAULT_RESTARTS
    window_s: float = DEFAULT_WINDOW_S
    depth: int | None = None


@dataclass(frozen=True, slots=True)
class Monitored:
    """A resource of a haresources group with the ``monitor`` line that applies to it."""

    group: str  # the group's key (its first resource)
    index: int  # the resource's place in the group, 0 = first
    resource: str  # the resource as haresources writes it
    spec: MonitorSpec


def _seconds(text: str, minimum: float) -> float | str:
    from ha_agents.config.values import parse_time_ms  # pyparsing: only when reading files

    word = text[:-1] if text.endswith("s") and not text.endswith(("ms", "us")) else text
    ms = parse_time_ms(word)
    if ms is None or ms / 1000 < minimum or ms <= 0:
        return f"expected seconds >= {minimum:g} (5, 1.5, 5s or 500ms), got {text!r}"
    return ms / 1000


def _count(text: str) -> int | str:
    from ha_agents.config.values import parse_int

    value = parse_int(text)
    return f"expected a whole number >= 0, got {text!r}" if value is None else value


def _interval(spec: MonitorSpec, v: str) -> MonitorSpec | str:
    s = _seconds(v, MIN_INTERVAL_S)
    return s if isinstance(s, str) else replace(spec, interval_s=s)


def _timeout(spec: MonitorSpec, v: str) -> MonitorSpec | str:
    s = _seconds(v, 0.001)
    return s if isinstance(s, str) else replace(spec, timeout_s=s)


def _window(spec: MonitorSpec, v: str) -> MonitorSpec | str:
    s = _seconds(v, 0.001)
    return s if isinstance(s, str) else replace(spec, window_s=s)


def _restarts(spec: MonitorSpec, v: str) -> MonitorSpec | str:
    n = _count(v)
    return n if isinstance(n, str) else replace(spec, restarts=n)


def _depth(spec: MonitorSpec, v: str) -> MonitorSpec | str:
    n = _count(v)
    return n if isinstance(n, str) else replace(spec, depth=n)


#: key of a ``monitor`` line -> how its value changes the spec
KEYS = {
    "interval": _interval,
    "timeout": _timeout,
    "restarts": _restarts,
    "window": _window,
    "depth": _depth,
}


def parse_monitor(rest: str, loc: Location) -> MonitorSpec | str:
    """``RESOURCE key=value...`` -> the spec, or what is wrong with the line."""
    words = rest.split()
    if not words or "=" in words[0]:
        return "needs a resource (as haresources writes it, or a script name) first"
    spec = MonitorSpec(words[0], loc)
    seen: set[str] = set()
    for word in words[1:]:
        key, sep, value = word.partition("=")
        change = KEYS.get(key)
        if not sep or change is None:
            return f"unknown setting {word!r} (expected {', '.join(k + '=' for k in KEYS)})"
        if key in seen:
            return f"{key} given twice"
        seen.add(key)
        changed = change(spec, value)
        if isinstance(changed, str):
            return f"{key}: {changed}"
        spec = changed
    return spec


def bind(
    specs: Iterable[MonitorSpec], groups: Iterable[ResourceGroup]
) -> tuple[tuple[Monitored, ...], list[Diagnostic]]:
    """Each haresources resource with the ``monitor`` line that applies to it."""
    diags: list[Diagnostic] = []
    by_target: dict[str, MonitorSpec] = {}
    for spec in specs:
        if spec.target in by_target:
            first = by_target[spec.target].loc.line
            text = f"monitor {spec.target!r} given twice (first at line {first})"
            diags.append(error(spec.loc.path, spec.loc.line, "HF607", text))
            continue
        by_target[spec.target] = spec
    out: list[Monitored] = []
    used: set[str] = set()
    for group in groups:
        for index, res in enumerate(group.resources):
            found = by_target.get(res.text) or by_target.get(res.name)
            if found is not None and group.key:
                used.add(found.target)
                out.append(Monitored(group.key, index, res.text, found))
    for target, spec in by_target.items():
        if target not in used:
            text = f"monitor {target!r} matches no resource of haresources: nothing is checked"
            diags.append(warning(spec.loc.path, spec.loc.line, "HF606", text))
    return tuple(out), diags


def monitor_line(m: Monitored) -> str:
    """What ``run`` logs at start for one monitored resource."""
    spec = m.spec
    depth = f", OCF_CHECK_LEVEL {spec.depth}" if spec.depth is not None else ""
    return (
        f"Monitoring {m.resource} (group {m.group}) every {spec.interval_s:g} s, timeout "
        f"{spec.timeout_s:g} s{depth}; {spec.restarts} restart(s) within {spec.window_s:g} s, "
        "then the group goes to the peer."
    )


def timing(
    m: Monitored, seconds: float, timed_out: bool, said: str, failed: bool = False
) -> Diagnostic:
    """What ``check`` says about one monitored resource whose check it ran once here
    (``said``: its verdict, or why it gave none when ``failed``)."""
    spec, loc = m.spec, m.spec.loc
    if failed and not timed_out:
        text = (
            f"monitor {spec.target!r}: the check of {m.resource!r} gives no answer here "
            f"({said}): every check would count as a failure"
        )
        return warning(loc.path, loc.line, "HF611", text)
    if timed_out:
        text = (
            f"monitor {spec.target!r}: the check of {m.resource!r} did not finish within its "
            f"timeout of {spec.timeout_s:g} s here (killed): every check would fail"
        )
        return warning(loc.path, loc.line, "HF610", text)
    if seconds >= spec.interval_s:
        text = (
            f"monitor {spec.target!r}: interval {spec.interval_s:g} s is shorter than the check "
            f"of {m.resource!r} takes here ({seconds:.2f} s measured): checks run back to back"
        )
        return warning(loc.path, loc.line, "HF609", text)
    text = (
        f"monitor {spec.target!r}: the check of {m.resource!r} took {seconds:.2f} s here "
        f"({said}); interval {spec.interval_s:g} s, timeout {spec.timeout_s:g} s"
    )
    return note(loc.path, loc.line, "HF690", text)
