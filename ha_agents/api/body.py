"""ha_msg bodies on the API socket: bytes <-> ordered fields.  Pure.

A body is a classic-text ha_msg plus a trailing NUL (docs/api.md).  Decoding reuses the
wire codec (``ha_agents.wire.codec``: classic or netstring form, strict limits) and
keeps string fields as ``str`` (latin-1) and binary fields (``srcuuid``) as ``bytes``:
the same ``(name, value)`` pairs the membership engine sends (``BodyField``: a str
value is a string field, bytes a binary one).
"""

from __future__ import annotations

from collections.abc import Iterable

from ha_agents.wire.codec import Field, decode, encode_classic, encode_netstring
from ha_agents.wire.errors import WireError

BodyField = tuple[str, str | bytes]
Fields = tuple[BodyField, ...]


class BodyError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_body(body: bytes) -> Fields:
    """The fields of one frame's body; BodyError (stable ``reason``) if it is not one."""
    data = body[:-1] if body.endswith(b"\0") else body
    try:
        msg = decode(data).message
    except WireError as exc:
        raise BodyError(exc.reason, exc.detail) from None
    return tuple(
        (f.name, f.value.decode("latin-1") if f.type == 0 else f.value) for f in msg.fields
    )


def _wire_fields(fields: Iterable[BodyField]) -> list[Field]:
    return [Field.text(n, v) if isinstance(v, str) else Field.binary(n, v) for n, v in fields]


def encode_body(fields: Iterable[BodyField]) -> bytes:
    """Classic text + NUL, as Heartbeat sends; netstring form if a value has a newline."""
    wire = _wire_fields(fields)
    try:
        return encode_classic(wire) + b"\0"
    except WireError as exc:
        if exc.reason != "bad_value":
            raise
    return encode_netstring(wire) + b"\0"


def get(fields: Fields, name: str) -> str | None:
    """The first string value of ``name`` (None if absent or binary)."""
    for key, value in fields:
        if key == name:
            return value if isinstance(value, str) else None
    return None


def without(fields: Fields, *names: str) -> Fields:
    return tuple((k, v) for k, v in fields if k not in names)


def with_field(fields: Fields, name: str, value: str) -> Fields:
    """``ha_msg_mod``: replace the value in place, or append the field."""
    if any(k == name for k, _ in fields):
        return tuple((k, value if k == name else v) for k, v in fields)
    return (*fields, (name, value))
