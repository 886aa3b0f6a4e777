"""Messages -> datagram bytes: the netstring framing the daemon sends, and the classic text
form (what the inner digest covers, and what ``hb_standby`` writes).  Pure code."""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from ha_agents.wire.errors import WireError
from ha_agents.wire.message import (
    CLASSIC_END,
    CLASSIC_START,
    END,
    MAX_DATAGRAM,
    MAX_FIELDS,
    START,
    Field,
    Message,
    Trailer,
    check_field,
)


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
        check_field(f)
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
        check_field(f)
        if f.type == 0 and b"\n" in f.value:
            raise WireError("bad_value", f"{f.name}: a newline cannot be sent in classic form")
    body = b"".join([_classic_line(f) for f in fs])
    return CLASSIC_START + body + CLASSIC_END
