"""Which calling convention invoked the agent, and what each one expects back (pure).

Three conventions call the same file:

* **OCF** (Pacemaker, ocf-tester, ha_agents): ``AGENT ACTION`` with parameters in
  ``OCF_RESKEY_<name>``; exit codes 0-7, ``monitor`` 7 = cleanly stopped.
* **heartbeat-class** (Heartbeat v1 haresources ``NAME::a::b``): ``AGENT a b OPERATION``,
  arguments first; ``status`` must *print* ``running`` or ``stopped`` (Heartbeat greps
  the text and ignores the exit code).
* **LSB** (init scripts, ``/etc/init.d/NAME start``): no arguments besides the action;
  ``status`` exits 0 running, 1 dead with pid file, 3 stopped, 4 unknown.

:func:`detect` decides from argv and the environment; ``HA_AGENT_CONVENTION`` forces one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ha_agents.agent.results import ErrorKind


class Convention(enum.Enum):
    OCF = "ocf"
    LSB = "lsb"
    HEARTBEAT = "heartbeat"


# Actions only OCF callers use: seeing one means OCF even without OCF_* variables.
OCF_ONLY_ACTIONS = frozenset(
    {
        "monitor",
        "meta-data",
        "validate-all",
        "notify",
        "promote",
        "demote",
        "migrate_to",
        "migrate_from",
        "methods",
    }
)
# Run from here (init, systemd's sysv generator, Pacemaker's lsb: class): LSB.
INIT_DIRS = (
    "/etc/init.d/",
    "/etc/rc.d/",
    "/etc/rc0.d/",
    "/etc/rc1.d/",
    "/etc/rc2.d/",
    "/etc/rc3.d/",
    "/etc/rc4.d/",
    "/etc/rc5.d/",
    "/etc/rc6.d/",
    "/etc/rcS.d/",
)
# Environment set by Heartbeat's ResourceManager (and harc) for the scripts it runs.
HEARTBEAT_ENV = ("HA_RESOURCEDIR", "HA_CURHOST", "HA_RCDIR", "HA_FUNCS")

OCF_SUCCESS = 0
OCF_NOT_RUNNING = 7
LSB_STATUS_RUNNING = 0
LSB_STATUS_DEAD_PIDFILE = 1
LSB_STATUS_STOPPED = 3
LSB_STATUS_UNKNOWN = 4
LSB_NOT_RUNNING = 7  # LSB: "program is not running" for actions other than status
USAGE_RC = 2  # invalid or excess arguments (OCF_ERR_ARGS, LSB 2)
OCF_UNIMPLEMENTED = 3


@dataclass(frozen=True, slots=True)
class Invocation:
    """How the agent was called: convention, action and heartbeat-class arguments."""

    convention: Convention
    action: str
    args: tuple[str, ...] = ()
    reason: str = ""


def detect(argv: Sequence[str], env: Mapping[str, str]) -> Invocation:
    """Decide the convention.  ``argv[0]`` is the program, the last word the action.

    Order: ``HA_AGENT_CONVENTION``; positional arguments before the action →
    heartbeat-class; run from /etc/init.d (or /etc/rc?.d) → LSB;
    ``OCF_RESKEY_*``/``OCF_RESOURCE_INSTANCE`` or an OCF-only action → OCF;
    Heartbeat's environment (``HA_RESOURCEDIR``...) → heartbeat-class (it also exports
    ``OCF_ROOT``, so this comes before the next rule); ``OCF_ROOT`` → OCF; else LSB.
    """
    words = list(argv[1:])
    action = words[-1] if words else ""
    args = tuple(words[:-1])
    forced = env.get("HA_AGENT_CONVENTION", "").strip().lower()
    if forced in {c.value for c in Convention}:
        return Invocation(Convention(forced), action, args, "HA_AGENT_CONVENTION")
    if args:
        return Invocation(Convention.HEARTBEAT, action, args, "arguments before the operation")
    if argv and argv[0].startswith(INIT_DIRS):
        return Invocation(Convention.LSB, action, args, f"run as {argv[0]}")
    if "OCF_RESOURCE_INSTANCE" in env or any(k.startswith("OCF_RESKEY_") for k in env):
        return Invocation(Convention.OCF, action, args, "OCF_RESKEY_*/OCF_RESOURCE_INSTANCE")
    if action in OCF_ONLY_ACTIONS:
        return Invocation(Convention.OCF, action, args, f"OCF action {action}")
    if any(k in env for k in HEARTBEAT_ENV):
        return Invocation(Convention.HEARTBEAT, action, args, "Heartbeat environment")
    if "OCF_ROOT" in env:
        return Invocation(Convention.OCF, action, args, "OCF_ROOT")
    return Invocation(Convention.LSB, action, args, "no arguments, no OCF/Heartbeat environment")


def error_rc(kind: ErrorKind) -> int:
    """OCF and LSB agree on 1-6 for every action but LSB ``status``."""
    return kind.value


def heartbeat_status_text(running: bool | None) -> str:
    """The word Heartbeat's ResourceManager greps for (``*[Rr]unning*`` → running).

    ``None`` (monitor failed) prints ``failed``: no ``running`` and no ``OK`` in it, so
    Heartbeat treats it as not running.  Only fixed words are printed: a free-form
    message could contain ``OK`` or ``running`` and flip Heartbeat's verdict.
    """
    if running is None:
        return "failed"
    return "running" if running else "stopped"


def parse_positional(
    args: Sequence[str], order: Sequence[str], known: Sequence[str]
) -> dict[str, str]:
    """Map heartbeat-class arguments onto parameter names.

    ``redis::6380::127.0.0.1`` gives ``args=("6380", "127.0.0.1")`` → the first names in
    ``order``.  An argument ``name=value`` whose name is a declared parameter sets that
    parameter directly (``redis::port=6380``).  Raises ``ValueError`` on too many
    arguments or a parameter given twice.
    """
    values: dict[str, str] = {}
    position = 0
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key in known:
            if key in values:
                raise ValueError(f"parameter {key} given twice")
            values[key] = value
            continue
        while position < len(order) and order[position] in values:
            position += 1
        if position >= len(order):
            raise ValueError(
                f"too many arguments: {' '.join(args)!r} (expected at most "
                f"{len(order)}: {'::'.join(order) or 'none'})"
            )
        values[order[position]] = arg
        position += 1
    return values


def assignments(text: str) -> list[tuple[str, str, str, str]]:
    """``NAME=VALUE`` lines of a shell-style variables file (``/etc/default/NAME``, an OCF
    instance file), read without a shell: ``(raw line, name, "=" or "", value)`` for each
    line that is not blank or a ``#`` comment, a leading ``export`` dropped."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        name, sep, value = line.partition("=")
        out.append((raw, name, sep, value))
    return out


def parse_defaults_file(text: str, known: Sequence[str]) -> dict[str, str]:
    """Parse an LSB ``/etc/default/NAME`` file: ``name=value`` lines, ``#`` comments.

    Names match parameters case-insensitively (``PORT=6380`` sets ``port``); ``export``
    and one level of matching quotes are accepted; unknown names are ignored.
    """
    by_lower = {name.lower(): name for name in known}
    values: dict[str, str] = {}
    for _raw, key, sep, value in assignments(text):
        name = by_lower.get(key.strip().lower())
        if not sep or name is None:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def ocf_values(env: Mapping[str, str], known: Sequence[str]) -> dict[str, str]:
    """``OCF_RESKEY_<name>`` for every declared parameter (``CRM_meta_*`` are not ours)."""
    return {name: env[f"OCF_RESKEY_{name}"] for name in known if f"OCF_RESKEY_{name}" in env}
