"""What the checks need to know about the machine, as a port (pure).

Heartbeat checks some things against the node it runs on: a ``bcast``/``ucast``
interface must exist (with an IPv4 broadcast address for bcast), a serial port must
exist, a ``ucast``/``ping`` peer must resolve, a ``respawn`` program must be
executable.  The parsers ask a :class:`HostFacts`; ``ha_agents.config.load`` answers
from the real machine, tests from a :class:`StaticHost`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class HostFacts(Protocol):
    def interface_exists(self, name: str) -> bool: ...

    def has_broadcast(self, name: str) -> bool: ...

    def has_ipv4(self, name: str) -> bool: ...

    def is_serial_device(self, path: str) -> bool: ...

    def path_exists(self, path: str) -> bool: ...

    def is_executable(self, path: str) -> bool: ...

    def resolves(self, host: str) -> bool: ...

    def resolves6(self, host: str) -> bool: ...

    def user_exists(self, name: str) -> bool: ...

    def group_exists(self, name: str) -> bool: ...

    def stonith_type_exists(self, name: str) -> bool: ...


@dataclass(frozen=True)
class StaticHost:
    """A machine described by sets (tests, and ``--remote`` checks)."""

    interfaces: frozenset[str] = frozenset({"lo", "eth0"})
    broadcast: frozenset[str] = frozenset({"eth0"})
    addresses: frozenset[str] = frozenset({"lo", "eth0"})
    ttys: frozenset[str] = frozenset({"/dev/ttyS0"})
    paths: frozenset[str] = frozenset()
    executables: frozenset[str] = frozenset()
    names: frozenset[str] = field(default_factory=frozenset)
    users: frozenset[str] = frozenset({"root", "hacluster"})
    groups: frozenset[str] = frozenset({"root", "haclient"})
    stonith_types: frozenset[str] = frozenset({"null", "external/ssh"})

    def user_exists(self, name: str) -> bool:
        return name in self.users

    def group_exists(self, name: str) -> bool:
        return name in self.groups

    def stonith_type_exists(self, name: str) -> bool:
        return name in self.stonith_types

    def interface_exists(self, name: str) -> bool:
        return name in self.interfaces

    def has_broadcast(self, name: str) -> bool:
        return name in self.broadcast

    def has_ipv4(self, name: str) -> bool:
        return name in self.addresses

    def is_serial_device(self, path: str) -> bool:
        return path in self.ttys

    def path_exists(self, path: str) -> bool:
        return path in self.paths or path in self.executables or path in self.ttys

    def is_executable(self, path: str) -> bool:
        return path in self.executables

    def resolves(self, host: str) -> bool:
        from ha_agents.config.values import is_ipv4

        return is_ipv4(host) or host.lower() in self.names

    def resolves6(self, host: str) -> bool:
        from ha_agents.config.values import is_ipv6

        return is_ipv6(host)
