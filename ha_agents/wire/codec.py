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
import functools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ha_agents.wire.errors import WireError

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

#: Largest datagram accepted or produced (a UDP/IPv4 payload is at most 65507 bytes).
MAX_DATAGRAM = 65536
#: Most fields in one message (a v1 message has at most 14).
MAX_FIELDS = 128
#: Longest field name (Heartbeat's are at most a dozen characters).
MAX_NAME_LEN = 64
#: Longest field value (the largest, ``nodelist``, grows with the cluster size).
MAX_VALUE_LEN = 16384
#: Field type codes Heartbeat's message library knows (0 string, 1 binary, 2 struct,
#: 3 list, 4 compressed, 5 uncompressed).
KNOWN_TYPES = range(6)

START = b"###\n"
END = b"%%%\n"
CLASSIC_START = b">>>\n"
CLASSIC_END = b"<<<\n"

_TYPES = {str(t).encode(): t for t in KNOWN_TYPES}
_DIGIT_VALUE = bytes((i - 0x30) % 256 for i in range(256))  # b"0" -> 0, b"1" -> 1 ...
# Bytes allowed in a field name: printable ASCII except "=", "(", ")".
_NAME_CHARS = bytes(c for c in range(0x21, 0x7F) if c not in b"=()")
_LEN_DIGITS = len(str(MAX_DATAGRAM))


class Field(NamedTuple):
    """One message field: ``name``, raw ``value`` bytes and the Heartbeat type code."""

    name: str
    value: bytes
    type: int = 0

    @classmethod
    def text(cls, name: str, value: str) -> Field:
        """A string (type 0) field; ``value`` must be latin-1 encodable."""
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise WireError("bad_value", f"{name}: not a latin-1 string: {value!r}") from exc
        return cls(name, raw, 0)

    @classmethod
    def binary(cls, name: str, value: bytes) -> Field:
        """A binary (type 1) field, e.g. ``srcuuid``."""
        return cls(name, bytes(value), 1)


_make_field = functools.partial(tuple.__new__, Field)


def _check_field(f: Field) -> None:
    if not isinstance(f, Field):
        raise TypeError(f"expected a Field, got {type(f).__name__}")
    if not isinstance(f.name, str) or not f.name.isascii():
        raise WireError("bad_name", f"invalid field name {f.name!r}")
    _check_name(f.name.encode("ascii"))
    if f.type not in KNOWN_TYPES:
        raise WireError("bad_type", f"{f.name}: unknown field type {f.type}")
    if not isinstance(f.value, bytes):
        raise TypeError(f"field {f.name}: value must be bytes")
    if len(f.value) > MAX_VALUE_LEN:
        raise WireError("field_too_long", f"{f.name}: {len(f.value)} bytes > {MAX_VALUE_LEN}")


def _check_name(raw: bytes) -> None:
    if not raw or len(raw) > MAX_NAME_LEN or raw.translate(None, _NAME_CHARS):
        raise WireError("bad_name", f"invalid field name {raw[:MAX_NAME_LEN]!r}")


class Message:
    """An immutable, ordered sequence of :class:`Field` (duplicates kept, in order).

    Stored column-wise (names, values, types) with the :class:`Field` tuples and the
    name index built on first use: the receive path touches only a few fields.
    """

    __slots__ = ("_contents", "_fields", "_first", "_names", "_types", "_values")

    _names: tuple[str, ...]
    _values: tuple[bytes, ...]
    _types: tuple[int, ...]
    _fields: tuple[Field, ...] | None
    _first: dict[str, int] | None
    _contents: tuple[bytes, ...] | None  # netstring contents "(T)name=value", if decoded

    def __init__(self, fields: Iterable[Field] = ()) -> None:
        fs = tuple(fields)
        if len(fs) > MAX_FIELDS:
            raise WireError("too_many_fields", f"{len(fs)} fields > {MAX_FIELDS}")
        for f in fs:
            _check_field(f)
        self._names = tuple(f.name for f in fs)
        self._values = tuple(f.value for f in fs)
        self._types = tuple(f.type for f in fs)
        self._fields = fs
        self._first = None
        self._contents = None

    @classmethod
    def _columns(
        cls, names: tuple[str, ...], values: tuple[bytes, ...], types: tuple[int, ...]
    ) -> Message:
        """Build from columns the decoder already validated (the hot path)."""
        m = cls.__new__(cls)
        m._names = names
        m._values = values
        m._types = types
        m._fields = None
        m._first = None
        m._contents = None
        return m

    @classmethod
    def of(cls, *pairs: tuple[str, str | bytes]) -> Message:
        """``Message.of(("t", "status"), ("srcuuid", b"..."))``: str -> type 0, bytes -> 1."""
        return cls(Field.text(n, v) if isinstance(v, str) else Field.binary(n, v) for n, v in pairs)

    def _index(self) -> dict[str, int]:
        first = self._first
        if first is None:
            names = self._names
            first = dict(zip(reversed(names), range(len(names) - 1, -1, -1), strict=True))
            self._first = first
        return first

    # -- access -------------------------------------------------------------------------
    @property
    def fields(self) -> tuple[Field, ...]:
        fs = self._fields
        if fs is None:
            fs = tuple(map(_make_field, zip(self._names, self._values, self._types, strict=True)))
            self._fields = fs
        return fs

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def values(self) -> tuple[bytes, ...]:
        return self._values

    @property
    def types(self) -> tuple[int, ...]:
        return self._types

    @property
    def type(self) -> str | None:
        """The message type: the value of ``t``."""
        return self.get("t")

    @property
    def duplicate_names(self) -> tuple[str, ...]:
        """Names that occur more than once (in order of their second occurrence)."""
        names = self._names
        if len(self._index()) == len(names):
            return ()
        seen: set[str] = set()
        dups: list[str] = []
        for name in names:
            if name in seen:
                dups.append(name)
            seen.add(name)
        return tuple(dups)

    def field(self, name: str) -> Field | None:
        i = self._index().get(name)
        return None if i is None else Field(name, self._values[i], self._types[i])

    def get(self, name: str) -> str | None:
        """The first field called ``name`` as a latin-1 string, or None."""
        i = self._index().get(name)
        return None if i is None else self._values[i].decode("latin-1")

    def get_bytes(self, name: str) -> bytes | None:
        """The raw value of the first field called ``name``, or None."""
        i = self._index().get(name)
        return None if i is None else self._values[i]

    def get_all(self, name: str) -> tuple[bytes, ...]:
        return tuple(v for n, v in zip(self._names, self._values, strict=True) if n == name)

    def without(self, name: str) -> Message:
        """This message minus every field called ``name``."""
        keep = [i for i, n in enumerate(self._names) if n != name]
        return Message._columns(
            tuple(self._names[i] for i in keep),
            tuple(self._values[i] for i in keep),
            tuple(self._types[i] for i in keep),
        )

    def __contains__(self, name: object) -> bool:
        return name in self._index()

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and self._names == other._names
            and self._values == other._values
            and self._types == other._types
        )

    def __hash__(self) -> int:
        return hash((self._names, self._values))

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{f.name}={f.value.decode('latin-1')!r}" if f.type == 0 else f"({f.type}){f.name}=…"
            for f in self.fields
        )
        return f"Message({inner})"


class Trailer(NamedTuple):
    """The netstring trailer (or an inner ``auth`` value): ``<key_index> <digest>``."""

    key_index: int
    digest: str


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


# -- encoding --------------------------------------------------------------------------


def netstring(content: bytes) -> bytes:
    return b"%d:%s," % (len(content), content)


def _field_bytes(f: Field) -> bytes:
    c = b"(%d)%s=%s" % (f.type, f.name.encode("ascii"), f.value)
    return b"%d:%s," % (len(c), c)


def encode_netstring(fields: Iterable[Field], trailer: Trailer | None = None) -> bytes:
    """Frame ``fields`` as ``###\\n ... %%%\\n`` (plus the trailer netstring if given)."""
    fs = tuple(fields)
    if len(fs) > MAX_FIELDS:
        raise WireError("too_many_fields", f"{len(fs)} fields > {MAX_FIELDS}")
    for f in fs:
        _check_field(f)
    out = START + b"".join(map(_field_bytes, fs)) + END
    if trailer is not None:
        out += netstring(b"%d %s" % (trailer.key_index, trailer.digest.encode("ascii")))
    if len(out) > MAX_DATAGRAM:
        raise WireError("oversize", f"{len(out)} bytes > {MAX_DATAGRAM}")
    return out


def _classic_line(f: Field) -> bytes:
    name = f.name.encode("ascii")
    if f.type == 0:
        return name + b"=" + f.value + b"\n"
    if f.type == 1:
        return b"(1)" + name + b"=" + binascii.b2a_base64(f.value, newline=False) + b"\n"
    raise WireError("unsupported_type", f"{f.name}: field type {f.type} has no classic form")


def classic_text(fields: Iterable[Field]) -> bytes:
    """What the inner ``auth`` digest covers: one classic line per field except ``auth``.

    ``name=value\n`` for strings, ``(1)name=<base64>\n`` for binary; other types have
    no documented classic form and raise ``unsupported_type``.
    """
    fs = tuple(fields)
    return classic_columns(
        tuple(f.name for f in fs), tuple(f.value for f in fs), tuple(f.type for f in fs)
    )


def classic_columns(
    names: tuple[str, ...], values: tuple[bytes, ...], types: tuple[int, ...]
) -> bytes:
    """:func:`classic_text` of a message stored column-wise (the verification hot path)."""
    if "auth" in names:
        keep = [i for i, n in enumerate(names) if n != "auth"]
        names = tuple(names[i] for i in keep)
        values = tuple(values[i] for i in keep)
        types = tuple(types[i] for i in keep)
    for i, t in enumerate(types):
        if t > 1:
            raise WireError("unsupported_type", f"{names[i]}: type {t} has no classic form")
    return classic_lines(names, values, types)


def classic_lines(
    names: tuple[str, ...], values: tuple[bytes, ...], types: tuple[int, ...]
) -> bytes:
    """The classic text of string/binary fields (caller guarantees: types 0/1, no auth)."""
    if not names:
        return b""
    raw = "\0".join(names).encode("ascii").split(b"\0")
    lines = list(map(_STRING_LINE, zip(raw, values, strict=True)))
    if 1 in types:
        i = types.index(1)
        while True:
            lines[i] = b"(1)%s=%s\n" % (raw[i], binascii.b2a_base64(values[i], newline=False))
            if 1 not in types[i + 1 :]:
                break
            i = types.index(1, i + 1)
    return b"".join(lines)


def classic_before_auth(msg: Message) -> bytes:
    """Classic text of every field but the last (the ``auth`` field) - the inner digest input.

    Caller guarantees: types 0/1 only, no other ``auth`` field.  For a decoded netstring
    message it reuses the field contents ``(0)name=value``: join them with newlines and
    drop the ``(0)`` prefixes in one pass, unless a value itself contains ``\n(0)``.
    """
    names, values, types = msg._names[:-1], msg._values[:-1], msg._types[:-1]
    cs = msg._contents
    if cs is None or not names:
        return classic_lines(names, values, types)
    parts = list(cs[:-1])
    if 1 in types:
        b64 = binascii.b2a_base64
        for i, t in enumerate(types):
            if t == 1:
                parts[i] = b"(1)%s=%s" % (names[i].encode("ascii"), b64(values[i], newline=False))
    joined = b"\n".join(parts)
    if joined.count(b"\n(0)") != types[1:].count(0):
        return classic_lines(names, values, types)
    text = joined.replace(b"\n(0)", b"\n") + b"\n"
    return text[3:] if types[0] == 0 else text


_STRING_LINE = b"%s=%s\n".__mod__


def encode_classic(fields: Iterable[Field]) -> bytes:
    """The classic ``>>>\\n ... <<<\\n`` form (string values must not contain a newline)."""
    fs = tuple(fields)
    for f in fs:
        _check_field(f)
        if f.type == 0 and b"\n" in f.value:
            raise WireError("bad_value", f"{f.name}: a newline cannot be sent in classic form")
    body = b"".join([_classic_line(f) for f in fs])
    return CLASSIC_START + body + CLASSIC_END


# -- decoding --------------------------------------------------------------------------


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
    colon = data.find(b":", pos, pos + _LEN_DIGITS + 1)
    digits = data[pos:colon] if colon >= 0 else data[pos : pos + _LEN_DIGITS + 1]
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
    if data[start + 1 : rp] not in _TYPES:
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
    msg = Message._columns(names, vs, tuple(b"".join(ts).translate(_DIGIT_VALUE)))
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
    types = _TYPES
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
            t = _TYPES.get(line[1:rp]) if rp > 0 else None
            if t is None:
                raise WireError("bad_type", f"classic line {lineno}: bad type prefix {line[:8]!r}")
            if t not in (0, 1):
                raise WireError("unsupported_type", f"classic line {lineno}: type {t}")
            ftype, rest = t, line[rp + 1 :]
        eq = rest.find(b"=")
        if eq < 0:
            raise WireError("bad_field", f"classic line {lineno} has no '='")
        raw_name, value = rest[:eq], rest[eq + 1 :]
        _check_name(raw_name)
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
