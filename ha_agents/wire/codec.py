"""Heartbeat 3.0.6 datagrams <-> ordered messages (docs/heartbeat/wire.md §2).

Two framings exist:

* netstring (what the daemon always sends)::

      "###\\n" *netstring("(" type ")" name "=" value) "%%%\\n" netstring(index " " hex)

* classic text (accepted on input, e.g. what ``hb_standby`` writes)::

      ">>>\\n" *( ["(" type ")"] name "=" value "\\n" ) "<<<\\n"

A :class:`Message` keeps every field in wire order, duplicates included, so that
re-encoding a decoded datagram gives back the identical bytes.  Field values are bytes;
type 0 fields are strings, type 1 binary.  Types 2-5 (nested message, list, compressed)
exist in Heartbeat's library but never occur in v1 traffic: :func:`decode` keeps their
value as opaque bytes and authentication refuses them (``unsupported_type``), because
their classic-text form - which the inner digest covers - is not documented.

Strict limits (:data:`MAX_DATAGRAM` etc.) bound the work done on hostile input; every
problem raises :class:`~ha_agents.wire.errors.WireError` with a stable ``reason``.
Pure code: no I/O.
"""

from __future__ import annotations

import binascii
import re
from typing import NamedTuple

from ha_agents.wire.encode import (
    classic_text,
    encode_classic,
    encode_netstring,
    netstring,
)
from ha_agents.wire.errors import WireError
from ha_agents.wire.message import (
    CLASSIC_END,
    CLASSIC_START,
    DIGIT_VALUE,
    END,
    LEN_DIGITS,
    MAX_DATAGRAM,
    MAX_FIELDS,
    MAX_NAME_LEN,
    MAX_VALUE_LEN,
    START,
    TYPES,
    Field,
    Message,
    Trailer,
    check_name,
)

__all__ = [
    "MAX_DATAGRAM",
    "MAX_FIELDS",
    "MAX_NAME_LEN",
    "MAX_VALUE_LEN",
    "Datagram",
    "Field",
    "Message",
    "Trailer",
    "WireError",
    "classic_text",
    "decode",
    "encode_classic",
    "encode_netstring",
    "netstring",
]


class Datagram(NamedTuple):
    """A parsed datagram.

    ``signed`` is what the trailer digest covers (netstring: every byte up to and
    including ``%%%\\n``; classic: the whole datagram, whose only signature is the
    ``auth`` field).  ``trailer`` is None for classic datagrams.
    """

    message: Message
    signed: bytes
    trailer: Trailer | None
    format: str  # "netstring" | "classic"

    def encode(self) -> bytes:
        """The bytes this datagram was decoded from."""
        if self.format == "classic":
            return encode_classic(self.message.fields)
        return encode_netstring(self.message.fields, self.trailer)


def decode(data: bytes) -> Datagram:
    """Parse a datagram (netstring or classic); for any bytes it raises only WireError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("decode() needs bytes")
    if type(data) is not bytes:
        data = bytes(data)
    if not data:
        raise WireError("empty", "empty datagram")
    if len(data) > MAX_DATAGRAM:
        raise WireError("oversize", f"{len(data)} bytes > {MAX_DATAGRAM}")
    if data.startswith(START):
        return _decode_fast(data) or _decode_netstring(data)
    if data.startswith(CLASSIC_START):
        return _decode_classic(data)
    if START.startswith(data) or CLASSIC_START.startswith(data):
        raise WireError("truncated", "datagram ends inside the start marker")
    raise WireError("bad_magic", f"starts with {data[:4]!r}, not '###\\n' or '>>>\\n'")


def _read_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Parse ``<decimal>:`` at ``pos``; return (length, offset of the content)."""
    colon = data.find(b":", pos, pos + LEN_DIGITS + 1)
    digits = data[pos:colon] if colon >= 0 else data[pos : pos + LEN_DIGITS + 1]
    if colon < 0:
        if pos + len(digits) >= end and digits.isdigit():
            raise WireError("truncated", f"datagram ends inside a netstring length at {pos}")
        raise WireError("bad_length", f"no netstring length at offset {pos}: {digits[:8]!r}")
    if not digits.isdigit() or (digits[0] == 0x30 and len(digits) > 1):
        raise WireError("bad_length", f"bad netstring length {digits!r} at offset {pos}")
    return int(digits), colon + 1


# One field netstring: length, type digit, name (printable ASCII except "=()"), "=".
_FIELD_RE = re.compile(rb"(0|[1-9][0-9]{0,5}):\(([0-5])\)([!-'*-<>-~]{1,%d})=" % MAX_NAME_LEN)


def _field_error(data: bytes, pos: int, end: int) -> WireError:
    """Say precisely why the field netstring at ``pos`` is not acceptable (slow path)."""
    if pos >= end:
        return WireError("truncated", "datagram ends before the '%%%' end marker")
    n, start = _read_length(data, pos, end)
    stop = start + n
    if stop >= end:
        return WireError("truncated", f"netstring at offset {pos} overruns the datagram")
    if data[stop] != 0x2C:
        return WireError("bad_netstring", f"netstring at offset {pos} not followed by ','")
    if n == 0 or data[start] != 0x28:
        return WireError("bad_field", f"field at offset {pos} has no '(type)' prefix")
    rp = data.find(b")", start + 1, min(stop, start + 4))
    if rp < 0:
        return WireError("bad_field", f"field at offset {pos}: unterminated type prefix")
    if data[start + 1 : rp] not in TYPES:
        return WireError("bad_type", f"field at offset {pos}: type {data[start + 1 : rp]!r}")
    eq = data.find(b"=", rp + 1, stop)
    if eq < 0:
        return WireError("bad_field", f"field at offset {pos} has no '='")
    raw_name = data[rp + 1 : eq]
    if stop - eq - 1 > MAX_VALUE_LEN:
        return WireError("field_too_long", f"{raw_name!r}: value of {stop - eq - 1} bytes")
    return WireError("bad_name", f"invalid field name {raw_name[:MAX_NAME_LEN]!r}")


# Optimistic whole-message scan: every field, its value running up to the first ","
# that is followed by another field header or the end of the field region (an unrolled
# loop with possessive quantifiers: no backtracking).
_ALL_FIELDS_RE = re.compile(
    rb"(0|[1-9][0-9]{0,5}):(\(([0-5])\)([!-'*-<>-~]{1,%d})="
    rb"([^,]*+(?:,(?![0-9]{1,6}:\(|\Z)[^,]*+)*+))," % MAX_NAME_LEN
)
_TRAILER_RE = re.compile(rb"(0|[1-9][0-9]{0,2}):((?:0|[1-9][0-9]{0,2}) [0-9a-f]{1,128}),\Z")


def _decode_fast(data: bytes) -> Datagram | None:
    """Decode a well-formed netstring datagram with C-level scans, or None.

    None means "not sure" (malformed, or a value that looks like a field header): the
    exact parser :func:`_decode_netstring` then decides and names the error.  The scan
    is only trusted when every field's declared length equals its parsed length and the
    fields exactly tile the region between the markers, which makes it identical to
    reading the netstrings one by one.
    """
    endm = data.rfind(END)
    if endm < 4:
        return None
    tm = _TRAILER_RE.match(data, endm + 4)
    if tm is None or int(tm[1]) != len(tm[2]):
        return None
    body = data[4:endm]
    found = _ALL_FIELDS_RE.findall(body)
    count = len(found)
    if not count or count > MAX_FIELDS:
        return None
    ls, cs, ts, ns, vs = zip(*found, strict=True)
    clens = list(map(len, cs))
    if (
        list(map(int, ls)) != clens
        or sum(map(len, ls)) + sum(clens) + 2 * count != len(body)
        or max(clens) > MAX_VALUE_LEN
    ):
        return None
    # Names are printable ASCII (no NUL), types single digits: convert in bulk.
    names = tuple(b"\0".join(ns).decode("ascii").split("\0"))
    msg = Message._columns(names, vs, tuple(b"".join(ts).translate(DIGIT_VALUE)))
    msg._contents = cs
    idx, _, hexd = tm[2].partition(b" ")
    trailer = Trailer(int(idx), hexd.decode("ascii"))
    return Datagram(msg, data[: endm + 4], trailer, "netstring")


def _decode_netstring(data: bytes) -> Datagram:
    end = len(data)
    pos = 4
    fields: list[Field] = []
    match = _FIELD_RE.match
    append = fields.append
    new = tuple.__new__
    types = TYPES
    # Hot path: one regex match per field, then slicing (no per-byte Python work).
    while (m := match(data, pos)) is not None:
        lens, tbyte, raw_name = m.groups()
        vstart = m.end()
        stop = pos + len(lens) + 1 + int(lens)
        if stop < vstart or data[stop : stop + 1] != b"," or stop - vstart > MAX_VALUE_LEN:
            raise _field_error(data, pos, end)
        append(new(Field, (raw_name.decode("ascii"), data[vstart:stop], types[tbyte])))
        pos = stop + 1
    if len(fields) > MAX_FIELDS:
        raise WireError("too_many_fields", f"{len(fields)} fields > {MAX_FIELDS}")
    if not data.startswith(END, pos):
        raise _field_error(data, pos, end)
    signed_end = pos + 4
    if signed_end >= end:
        raise WireError("no_trailer", "nothing after '%%%': the authentication trailer is missing")
    n, start = _read_length(data, signed_end, end)
    stop = start + n
    if stop >= end:
        raise WireError("truncated", "the authentication trailer overruns the datagram")
    if data[stop] != 0x2C:
        raise WireError("bad_netstring", "authentication trailer not followed by ','")
    if stop + 1 != end:
        raise WireError("trailing_garbage", f"{end - stop - 1} bytes after the trailer")
    trailer = _parse_auth_value(data[start:stop], "bad_trailer", "trailer")
    msg = Message._columns(
        tuple([f.name for f in fields]),
        tuple([f.value for f in fields]),
        tuple([f.type for f in fields]),
    )
    return Datagram(msg, data[:signed_end], trailer, "netstring")


_AUTH_VALUE_RE = re.compile(rb"(0|[1-9][0-9]{0,2}) ([0-9a-f]{1,128})")


def _parse_auth_value(raw: bytes, reason: str, what: str) -> Trailer:
    """``<index> <lowercase hex>`` as in the trailer and the inner ``auth`` field."""
    m = _AUTH_VALUE_RE.fullmatch(raw)
    if m is None:
        raise WireError(reason, f"malformed {what} {raw[:80]!r}")
    return Trailer(int(m[1]), m[2].decode("ascii"))


def parse_auth_value(raw: bytes) -> Trailer:
    """Parse an inner ``auth`` field value (raises ``bad_inner_auth``)."""
    return _parse_auth_value(raw, "bad_inner_auth", "auth field")


def _decode_classic(data: bytes) -> Datagram:
    if not data.endswith(CLASSIC_END):
        raise WireError("truncated", "classic message does not end with '<<<'")
    body = data[4:-4]
    if body and not body.endswith(b"\n"):
        raise WireError("bad_field", "classic message: last line has no newline")
    lines = body.split(b"\n")[:-1] if body else []
    if len(lines) > MAX_FIELDS:
        raise WireError("too_many_fields", f"more than {MAX_FIELDS} fields")
    fields: list[Field] = []
    for lineno, line in enumerate(lines, 1):
        ftype = 0
        rest = line
        if line.startswith(b"("):
            rp = line.find(b")", 1, 4)
            t = TYPES.get(line[1:rp]) if rp > 0 else None
            if t is None:
                raise WireError("bad_type", f"classic line {lineno}: bad type prefix {line[:8]!r}")
            if t not in (0, 1):
                raise WireError("unsupported_type", f"classic line {lineno}: type {t}")
            ftype, rest = t, line[rp + 1 :]
        eq = rest.find(b"=")
        if eq < 0:
            raise WireError("bad_field", f"classic line {lineno} has no '='")
        raw_name, value = rest[:eq], rest[eq + 1 :]
        check_name(raw_name)
        if ftype == 1:
            try:
                decoded = binascii.a2b_base64(value, strict_mode=True)
            except binascii.Error as exc:
                raise WireError("bad_base64", f"classic line {lineno}: {exc}") from exc
            if binascii.b2a_base64(decoded, newline=False) != value:
                raise WireError("bad_base64", f"classic line {lineno}: non-canonical base64")
            value = decoded
        if len(value) > MAX_VALUE_LEN:
            raise WireError("field_too_long", f"classic line {lineno}: {len(value)} bytes")
        fields.append(Field(raw_name.decode("ascii"), value, ftype))
    msg = Message._columns(
        tuple([f.name for f in fields]),
        tuple([f.value for f in fields]),
        tuple([f.type for f in fields]),
    )
    return Datagram(msg, data, None, "classic")
