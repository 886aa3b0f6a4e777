"""ha_agents-only failover options: ``failover.cf`` in the config directory.

Heartbeat ignores files it does not know in /etc/ha.d, so the options live beside ha.cf
without touching it.  Lines (``#`` comments, blank lines ignored)::

    fence_command /usr/local/sbin/fence-node --hard     # run as: ARGV... NODE
    fence_timeout 30                                    # seconds (default 30)
    fence_retry 5                                       # seconds between attempts (default 5)
    standby_timeout 10                                  # seconds an exchange may take

``parse_options(text, path)`` returns ``(FailoverOptions, diagnostics)``; codes HF6xx.
``load_options(config_dir)`` reads the file (absent: the defaults).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from ha_agents.config.diagnostics import Diagnostic, error

FILENAME = "failover.cf"


@dataclass(frozen=True, slots=True)
class FailoverOptions:
    fence_command: tuple[str, ...] = ()
    fence_timeout_s: float = 30.0
    fence_retry_s: float = 5.0
    standby_timeout_s: float | None = None  # None: max(deadtime, 2 s)


def parse_options(text: str, path: str = FILENAME) -> tuple[FailoverOptions, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    fence: tuple[str, ...] = ()
    values: dict[str, float] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name == "fence_command":
            try:
                argv = tuple(shlex.split(rest))
            except ValueError as exc:
                diags.append(error(path, lineno, "HF602", f"fence_command: {exc}"))
                continue
            if not argv:
                diags.append(error(path, lineno, "HF602", "fence_command needs a command"))
                continue
            fence = argv
        elif name in ("fence_timeout", "fence_retry", "standby_timeout"):
            try:
                value = float(rest)
            except ValueError:
                value = -1.0
            if not value > 0:
                diags.append(
                    error(path, lineno, "HF603", f"{name}: expected seconds > 0, got {rest!r}")
                )
                continue
            values[name] = value
        else:
            diags.append(error(path, lineno, "HF601", f"unknown directive {name!r}"))
    opts = FailoverOptions(
        fence_command=fence,
        fence_timeout_s=values.get("fence_timeout", 30.0),
        fence_retry_s=values.get("fence_retry", 5.0),
        standby_timeout_s=values.get("standby_timeout"),
    )
    return opts, diags


def load_options(config_dir: str) -> tuple[FailoverOptions, list[Diagnostic]]:
    """``failover.cf`` of ``config_dir``: the defaults when there is none; an unreadable or
    invalid file gives error diagnostics (``ha-agents run`` then refuses to start rather
    than run without the fencing the admin asked for)."""
    path = os.path.join(config_dir, FILENAME)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 20)
    except FileNotFoundError:
        return FailoverOptions(), []
    except OSError as exc:
        return FailoverOptions(), [error(path, 1, "HF600", f"cannot read: {exc.strerror}")]
    return parse_options(text, path)
