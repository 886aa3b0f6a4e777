"""Writing and reading the fields of a v1 message: strict, every problem a
``WireError`` (``missing_field`` / ``bad_value``).  Pure code."""

from __future__ import annotations

from collections.abc import Iterable

from ha_agents.wire.errors import WireError
from ha_agents.wire.message import Field, Message

#: Longest hex number accepted (64-bit).
MAX_HEX = 16


def string_field(name: str, value: str) -> Field:
    return Field.text(name, value)


def hexs(n: int) -> str:
    if n < 0:
        raise ValueError(f"negative number {n}")
    return f"{n:x}"


def req(msg: Message, name: str) -> str:
    v = msg.get(name)
    if v is None:
        raise WireError("missing_field", f"{msg.type or '?'} message without {name!r}")
    return v


def req_bytes(msg: Message, name: str) -> bytes:
    v = msg.get_bytes(name)
    if v is None:
        raise WireError("missing_field", f"{msg.type or '?'} message without {name!r}")
    return v


def hex_value(name: str, text: str) -> int:
    if not text or len(text) > MAX_HEX or text.strip("0123456789abcdefABCDEF"):
        raise WireError("bad_value", f"{name}={text[:40]!r} is not a hex number")
    return int(text, 16)


def dec_value(name: str, text: str) -> int:
    if not text or len(text) > 9 or not text.isdigit() or not text.isascii():
        raise WireError("bad_value", f"{name}={text[:40]!r} is not a decimal number")
    return int(text)


def opt_hex(msg: Message, name: str) -> int | None:
    v = msg.get(name)
    return None if v is None else hex_value(name, v)


def choice(msg: Message, name: str, allowed: Iterable[str]) -> str:
    v = req(msg, name)
    if v not in allowed:
        raise WireError("bad_value", f"{name}={v[:40]!r} is not one of {', '.join(allowed)}")
    return v


def token(msg: Message, name: str) -> str:
    v = req(msg, name)
    if not v or any(c.isspace() for c in v):
        raise WireError("bad_value", f"{name}={v[:40]!r} is not a single word")
    return v


def node_list(names: tuple[str, ...]) -> str:
    """``node1 node2 `` (each name followed by a space); a single space when empty."""
    return "".join(f"{n} " for n in names) or " "
