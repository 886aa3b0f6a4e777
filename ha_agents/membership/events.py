"""Inputs of the membership engine.  Every event carries the monotonic time ``now``
(seconds, float) — the engine never reads a clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: A message field as the engine builds it: a str value is a string field (type 0),
#: a bytes value a binary field (type 1, e.g. ``destuuid``).  Order is wire order.
BodyField = tuple[str, str | bytes]


class InMessage(Protocol):
    """What the engine needs of a decoded, authenticated message
    (``ha_agents.wire.codec.Message`` satisfies it)."""

    def get(self, name: str) -> str | None: ...

    def get_bytes(self, name: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class FieldsMessage:
    """An authenticated message held as its (name, value) fields, in wire order.

    What an engine receives when no bytes are involved: the simulator's virtual network
    and the engine tests hand messages between engines in this form.
    """

    fields: tuple[BodyField, ...]

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value if isinstance(value, str) else None
        return None

    def get_bytes(self, name: str) -> bytes | None:
        for key, value in self.fields:
            if key == name:
                return value if isinstance(value, bytes) else value.encode()
        return None


@dataclass(frozen=True, slots=True)
class Start:
    """The daemon is up: send the first status messages and arm the timers."""

    now: float


@dataclass(frozen=True, slots=True)
class PacketReceived:
    """An authenticated message from medium ``link`` (the ha.cf device name), sent from
    ``source`` (the IP address, or the tty path for serial)."""

    message: InMessage
    link: str
    source: str
    now: float


@dataclass(frozen=True, slots=True)
class PacketRejected:
    """A datagram the wire layer refused (bad digest, bad framing...): counted by reason."""

    reason: str
    link: str
    source: str
    now: float


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed; the daemon sends one at ``Engine.next_deadline()`` (or earlier)."""

    now: float


@dataclass(frozen=True, slots=True)
class SendMessage:
    """An upper layer's message: ``body`` are its own fields in wire order (``t`` first,
    ``dest`` where Heartbeat puts it).  The engine adds ``destuuid`` for an addressed
    message and gives it the next sequence number."""

    body: tuple[BodyField, ...]
    now: float


@dataclass(frozen=True, slots=True)
class PingHeard:
    """An ICMP echo reply from ``host`` (an address of an ha.cf ``ping``/``ping_group``
    line) arrived: that ping node is alive (docs/api.md, "Ping nodes")."""

    host: str
    now: float


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Clean stop: announce ``shutdone st=dead`` to the peers."""

    now: float


Event = Start | PacketReceived | PacketRejected | Tick | SendMessage | Shutdown | PingHeard
