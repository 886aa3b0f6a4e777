"""A Heartbeat message as ordered fields, and the limits every datagram must respect.

A :class:`Message` keeps every field in wire order, duplicates included, so that
re-encoding a decoded datagram gives back the identical bytes.  Field values are bytes;
type 0 fields are strings, type 1 binary.  Framing: wire/encode.py (out) and wire/codec.py
(in).  Pure code: no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ha_agents.wire.errors import WireError

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

TYPES = {str(t).encode(): t for t in KNOWN_TYPES}
DIGIT_VALUE = bytes((i - 0x30) % 256 for i in range(256))  # b"0" -> 0, b"1" -> 1 ...
# Bytes allowed in a field name: printable ASCII except "=", "(", ")".
_NAME_CHARS = bytes(c for c in range(0x21, 0x7F) if c not in b"=()")
LEN_DIGITS = len(str(MAX_DATAGRAM))


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


def check_field(f: Field) -> None:
    if not isinstance(f, Field):
        raise TypeError(f"expected a Field, got {type(f).__name__}")
    if not isinstance(f.name, str) or not f.name.isascii():
        raise WireError("bad_name", f"invalid field name {f.name!r}")
    check_name(f.name.encode("ascii"))
    if f.type not in KNOWN_TYPES:
        raise WireError("bad_type", f"{f.name}: unknown field type {f.type}")
    if not isinstance(f.value, bytes):
        raise TypeError(f"field {f.name}: value must be bytes")
    if len(f.value) > MAX_VALUE_LEN:
        raise WireError("field_too_long", f"{f.name}: {len(f.value)} bytes > {MAX_VALUE_LEN}")


def check_name(raw: bytes) -> None:
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
            check_field(f)
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
