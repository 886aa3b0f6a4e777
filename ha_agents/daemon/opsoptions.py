"""``ha-agents run``'s operations options and their parsers, importable without asyncio
(commands/_runargs.py parses them before the daemon's modules are imported)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_S = 30.0  # a hook's time limit


@dataclass(frozen=True, slots=True)
class OpsOptions:
    """``ha-agents run``'s operations options (never read from ha.cf)."""

    config_dir: str
    node: str | None = None  # as given to ``run --node`` (reload re-reads with it)
    metrics_address: tuple[str, int] | None = None
    hooks_dir: Path | None = None
    hook_timeout_s: float = DEFAULT_TIMEOUT_S
    env: Mapping[str, str] | None = None  # NOTIFY_SOCKET, WATCHDOG_USEC (default os.environ)


class AddressError(ValueError):
    pass


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[V6]:PORT`` or ``:PORT`` (all addresses) -> (host, port)."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        raise AddressError(f"metrics address {text!r}: expected HOST:PORT (e.g. 127.0.0.1:9694)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise AddressError(f"metrics address {text!r}: port must be 1-65535")
    if host:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise AddressError(f"metrics address {text!r}: {host!r} is not an IP address") from None
    return host or "0.0.0.0", int(port_text)
