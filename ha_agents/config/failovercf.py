"""ha_agents-only failover options: ``failover.cf`` in the config directory.

Heartbeat ignores files it does not know in /etc/ha.d, so the options live beside ha.cf
without touching it.  Lines (``#`` comments, blank lines ignored)::

    fence_command /usr/local/sbin/fence-node --hard     # run as: ARGV... NODE
    fence_timeout 30                                    # seconds (default 30)
    fence_retry 5                                       # seconds between attempts (default 5)
    standby_timeout 10                                  # seconds an exchange may take
    stop_failure reboot                                 # keep (default) | reboot
    reboot_command /bin/systemctl reboot --force        # what stop_failure reboot runs
    peer_filter on                                      # on (default) | off
    stock_ipaddr inprocess                              # inprocess (default) | script
    monitor httpd interval=5 timeout=10 restarts=2 window=300   # config/monitorcf.py

``stop_failure``: what happens when a resource cannot be stopped (every retry failed and
its status still says running).  ``keep`` leaves the group FAILED on this node and no
node takes it over (it may still run here); ``reboot`` is Heartbeat's behaviour: reboot
this node (``reboot_command``, by default ``/sbin/reboot -nf`` then ``/sbin/init 6``), so
the peer declares it dead and takes the group over safely.

``peer_filter``: once every peer is heard on a link, the kernel drops datagrams from any
other address on that link's socket (daemon/peerfilter.py); ``off`` lets everything
reach the daemon.  ``stock_ipaddr``: the ``resource.d/IPaddr`` and ``IPaddr2`` wrappers
that the heartbeat package installed (recognised by content) run as our in-process
equivalent with the same outcome (agents/ipaddr/stock.py); ``script`` runs them as
scripts.

``monitor``: opt-in checks of running resources (config/monitorcf.py); without one,
nothing is ever checked after a start, as in Heartbeat.

``parse_options(text, path)`` returns ``(FailoverOptions, diagnostics)``; codes HF6xx;
the directives are a keyword table.  ``load_options(config_dir)`` reads the file.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from ha_agents.config.diagnostics import Diagnostic, error
from ha_agents.config.model import Location
from ha_agents.config.monitorcf import MonitorSpec, parse_monitor

FILENAME = "failover.cf"
REBOOT_COMMANDS: tuple[tuple[str, ...], ...] = (("/sbin/reboot", "-nf"), ("/sbin/init", "6"))
STOP_FAILURE = ("keep", "reboot")
ON_OFF = {"on": True, "off": False}
STOCK_IPADDR = ("inprocess", "script")


@dataclass(frozen=True, slots=True)
class FailoverOptions:
    fence_command: tuple[str, ...] = ()
    fence_timeout_s: float = 30.0
    fence_retry_s: float = 5.0
    standby_timeout_s: float | None = None  # None: max(deadtime, 2 s)
    stop_failure: str = "keep"
    reboot_commands: tuple[tuple[str, ...], ...] = REBOOT_COMMANDS
    peer_filter: bool = True
    stock_ipaddr: str = "inprocess"
    monitors: tuple[MonitorSpec, ...] = ()


Parsed = FailoverOptions | str  # the new options, or what is wrong with the value


def _argv(rest: str) -> tuple[str, ...] | str:
    try:
        argv = tuple(shlex.split(rest))
    except ValueError as exc:
        return str(exc)
    return argv or "needs a command"


def _seconds(rest: str) -> float | str:
    try:
        value = float(rest)
    except ValueError:
        value = -1.0
    return value if value > 0 else f"expected seconds > 0, got {rest!r}"


def _fence_command(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    argv = _argv(rest)
    return argv if isinstance(argv, str) else replace(opts, fence_command=argv)


def _reboot_command(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    argv = _argv(rest)
    return argv if isinstance(argv, str) else replace(opts, reboot_commands=(argv,))


def _fence_timeout(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    value = _seconds(rest)
    return value if isinstance(value, str) else replace(opts, fence_timeout_s=value)


def _fence_retry(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    value = _seconds(rest)
    return value if isinstance(value, str) else replace(opts, fence_retry_s=value)


def _standby_timeout(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    value = _seconds(rest)
    return value if isinstance(value, str) else replace(opts, standby_timeout_s=value)


def _stop_failure(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    if rest not in STOP_FAILURE:
        return f"expected {' or '.join(STOP_FAILURE)}, got {rest!r}"
    return replace(opts, stop_failure=rest)


def _peer_filter(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    if rest not in ON_OFF:
        return f"expected on or off, got {rest!r}"
    return replace(opts, peer_filter=ON_OFF[rest])


def _stock_ipaddr(opts: FailoverOptions, rest: str, _loc: Location) -> Parsed:
    if rest not in STOCK_IPADDR:
        return f"expected {' or '.join(STOCK_IPADDR)}, got {rest!r}"
    return replace(opts, stock_ipaddr=rest)


def _monitor(opts: FailoverOptions, rest: str, loc: Location) -> Parsed:
    spec = parse_monitor(rest, loc)
    return spec if isinstance(spec, str) else replace(opts, monitors=(*opts.monitors, spec))


#: directive -> (diagnostic code for a bad value, parser)
DIRECTIVES: dict[str, tuple[str, Callable[[FailoverOptions, str, Location], Parsed]]] = {
    "fence_command": ("HF602", _fence_command),
    "fence_timeout": ("HF603", _fence_timeout),
    "fence_retry": ("HF603", _fence_retry),
    "standby_timeout": ("HF603", _standby_timeout),
    "stop_failure": ("HF604", _stop_failure),
    "reboot_command": ("HF602", _reboot_command),
    "peer_filter": ("HF604", _peer_filter),
    "stock_ipaddr": ("HF604", _stock_ipaddr),
    "monitor": ("HF605", _monitor),
}


def parse_options(text: str, path: str = FILENAME) -> tuple[FailoverOptions, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    opts = FailoverOptions()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, rest = line.replace("\t", " ").partition(" ")
        entry = DIRECTIVES.get(name)
        if entry is None:
            diags.append(error(path, lineno, "HF601", f"unknown directive {name!r}"))
            continue
        code, parse = entry
        parsed = parse(opts, rest.strip(), Location(path, lineno))
        if isinstance(parsed, str):
            diags.append(error(path, lineno, code, f"{name}: {parsed}"))
        else:
            opts = parsed
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
