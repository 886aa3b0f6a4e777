"""Signing and strict verification of Heartbeat datagrams (docs/heartbeat/wire.md §3).

Heartbeat signs every datagram twice with the ``auth N`` key of authkeys: an inner
``auth=<N> <hex>`` field over the classic text of the other fields, then a trailer
``<N> <hex>`` over the framed message.  :func:`sign` reproduces that byte for byte.

Verification (:func:`open_datagram`, :class:`Authenticator`) is stricter than
Heartbeat's, which checks only the trailer and uses its own outbound key whatever index
the packet names.  We refuse a datagram unless **all** of these hold:

1. it parses (framing, limits) and carries a trailer (netstring) or an ``auth`` field
   (classic);
2. the index it names is configured in authkeys (``unknown_key_index``);
3. that index's method is not weaker than the method of our own ``auth N`` entry
   (``downgrade``; strength crc < md5 < sha1 < sha256) - so a cluster signing with
   md5 or sha1 never accepts a keyless crc packet just because some crc line is left
   in authkeys.  A cluster whose active method is crc accepts anything configured;
4. no field name occurs twice (``duplicate_field``) and all fields are string/binary
   (``unsupported_type``);
5. the trailer digest, computed with the key **of the index the packet names**, matches
   (``bad_trailer_digest``), compared in constant time;
6. the inner ``auth`` field is present (``missing_inner_auth``), is the last field,
   names the same index as the trailer (``method_mismatch``) and its digest matches
   (``bad_inner_auth``).

Every datagram a real Heartbeat 3.0.6 node sends satisfies all of them.  Method
``sha256`` (HMAC-SHA256) is an ha_agents extension that Heartbeat cannot verify.
Pure code: no I/O.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod
from ha_agents.wire.codec import (
    Datagram,
    Field,
    Message,
    Trailer,
    classic_text,
    decode,
    encode_netstring,
    netstring,
    parse_auth_value,
)
from ha_agents.wire.encode import classic_before_auth
from ha_agents.wire.errors import WireError

__all__ = [
    "STRENGTH",
    "Authenticator",
    "Digester",
    "crc_hexdigest",
    "open_datagram",
    "sign",
    "sign_trusted",
    "verify_datagram",
]

#: Order used for the downgrade rule.
STRENGTH: dict[AuthMethod, int] = {
    AuthMethod.CRC: 0,
    AuthMethod.MD5: 1,
    AuthMethod.SHA1: 2,
    AuthMethod.SHA256: 3,
}

_HASHES: dict[AuthMethod, Callable[..., Any]] = {
    AuthMethod.MD5: hashlib.md5,
    AuthMethod.SHA1: hashlib.sha1,
    AuthMethod.SHA256: hashlib.sha256,
}

_REVERSE_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_IPAD = bytes(i ^ 0x36 for i in range(256))
_OPAD = bytes(i ^ 0x5C for i in range(256))


def crc_hexdigest(data: bytes) -> str:
    """Heartbeat's ``crc``: CRC-32/POSIX without the length suffix, ``%x``-formatted.

    Poly 0x04C11DB7, init 0, MSB-first, final xor 0xFFFFFFFF.  zlib's CRC-32 is the
    bit-reflected twin: feeding it bit-reversed bytes with a zero start register and
    bit-reversing the result gives the MSB-first value (at C speed).
    """
    reflected = binascii.crc32(data.translate(_REVERSE_BITS), 0xFFFFFFFF)
    value = int.from_bytes(reflected.to_bytes(4, "little").translate(_REVERSE_BITS), "big")
    return f"{value:x}"


class Digester:
    """DIGEST(key, data) of one authkeys entry, with the HMAC pads precomputed."""

    __slots__ = ("_pads", "index", "method", "strength")

    _pads: tuple[Any, Any] | None

    def __init__(self, key: AuthKey) -> None:
        self.index = key.index
        self.method = key.method
        self.strength = STRENGTH[key.method]
        if key.method is AuthMethod.CRC:
            self._pads = None
            return
        new = _HASHES[key.method]
        block: int = new().block_size
        k = key.key
        if len(k) > block:  # RFC 2104: long keys are hashed first
            k = new(k).digest()
        k = k.ljust(block, b"\0")
        self._pads = (new(k.translate(_IPAD)), new(k.translate(_OPAD)))

    def hexdigest(self, data: bytes) -> str:
        pads = self._pads
        if pads is None:
            return crc_hexdigest(data)
        inner = pads[0].copy()
        inner.update(data)
        outer = pads[1].copy()
        outer.update(inner.digest())
        hexd: str = outer.hexdigest()
        return hexd

    def auth_value(self, data: bytes) -> bytes:
        """``b"<index> <hex>"`` over ``data``."""
        return b"%d %s" % (self.index, self.hexdigest(data).encode("ascii"))


def _sign(fields: Iterable[Field], digester: Digester) -> bytes:
    fs = tuple(fields)
    if any(f.name == "auth" for f in fs):
        raise ValueError("sign(): the fields already contain an 'auth' field")
    inner = Field("auth", digester.auth_value(classic_text(fs)), 0)
    body = encode_netstring((*fs, inner))
    return body + netstring(digester.auth_value(body))


def sign(fields: Sequence[Field], key: AuthKey) -> bytes:
    """The datagram Heartbeat would send: ``fields`` + inner ``auth`` + trailer."""
    return _sign(fields, Digester(key))


def _raw_netstring(name: bytes, value: bytes, ftype: int) -> bytes:
    content = b"(%d)%s=%s" % (ftype, name, value)
    return b"%d:%s," % (len(content), content)


def sign_trusted(fields: Sequence[tuple[bytes, bytes, int]], digester: Digester) -> bytes:
    """:func:`sign` of (name, value, type) triples this node built itself (names are
    valid, types 0 or 1, sizes within limits, no ``auth``): the same bytes, without the
    per-field checks and objects that :func:`sign` spends on input it cannot trust."""
    b64 = binascii.b2a_base64
    classic = b"".join(
        b"%s=%s\n" % (n, v) if t == 0 else b"(1)%s=%s\n" % (n, b64(v, newline=False))
        for n, v, t in fields
    )
    body = b"".join(
        [
            b"###\n",
            *(_raw_netstring(n, v, t) for n, v, t in fields),
            _raw_netstring(b"auth", digester.auth_value(classic), 0),
            b"%%%\n",
        ]
    )
    trailer = digester.auth_value(body)
    return b"%s%d:%s," % (body, len(trailer), trailer)


class Authenticator:
    """Signs with the active key and verifies against every configured key.

    Build one per authkeys and reuse it: the HMAC pads are computed once.
    """

    __slots__ = ("_active", "_digesters", "_floor", "keys")

    def __init__(self, keys: AuthKeys) -> None:
        if keys.active not in keys.keys:
            raise ValueError(f"authkeys: 'auth {keys.active}' names no configured key")
        self.keys = keys
        self._digesters = {i: Digester(k) for i, k in keys.keys.items()}
        self._active = self._digesters[keys.active]
        self._floor = STRENGTH[keys.keys[keys.active].method]

    def sign(self, fields: Sequence[Field]) -> bytes:
        return _sign(fields, self._active)

    def sign_trusted(self, fields: Sequence[tuple[bytes, bytes, int]]) -> bytes:
        """:func:`sign_trusted` with the active key."""
        return sign_trusted(fields, self._active)

    def open(self, data: bytes) -> Message:
        """Decode and verify; the authenticated message (``auth`` field included)."""
        return self.verify(decode(data))

    def verify(self, dg: Datagram) -> Message:
        msg = dg.message
        names = msg.names
        tr = dg.trailer
        if tr is None:  # classic: the auth field is the only signature
            value = msg.get_bytes("auth")
            if value is None:
                raise WireError("unsigned", "classic message without an 'auth' field")
            tr = parse_auth_value(value)
        digester = self._check_index(tr)
        if len(set(names)) != len(names):
            raise WireError("duplicate_field", f"field {msg.duplicate_names[0]!r} repeated")
        if names and max(msg.types) > 1:
            raise WireError("unsupported_type", "field of a type other than string/binary")
        if dg.trailer is not None:
            want = digester.hexdigest(dg.signed)
            if not hmac.compare_digest(want, tr.digest):
                raise WireError(
                    "bad_trailer_digest", f"trailer digest of index {tr.key_index} wrong"
                )
        self._check_inner(msg, digester, tr)
        return msg

    def _check_index(self, tr: Trailer) -> Digester:
        digester = self._digesters.get(tr.key_index)
        if digester is None:
            raise WireError("unknown_key_index", f"key index {tr.key_index} is not in authkeys")
        if digester.strength < self._floor:
            raise WireError(
                "downgrade",
                f"signed with {digester.method.value} (index {tr.key_index}), weaker than "
                f"our {self._active.method.value}",
            )
        return digester

    @staticmethod
    def _check_inner(msg: Message, digester: Digester, tr: Trailer) -> None:
        names = msg.names
        if not names or names[-1] != "auth":
            if "auth" in names:
                raise WireError("bad_inner_auth", "the 'auth' field is not the last field")
            raise WireError("missing_inner_auth", "no inner 'auth' field")
        values = msg.values
        inner = parse_auth_value(values[-1])
        if inner.key_index != tr.key_index:
            raise WireError(
                "method_mismatch",
                f"inner auth index {inner.key_index} != trailer index {tr.key_index}",
            )
        want = digester.hexdigest(classic_before_auth(msg))
        if not hmac.compare_digest(want, inner.digest):
            raise WireError("bad_inner_auth", f"inner auth digest of index {inner.key_index} wrong")


_CACHE: dict[int, tuple[AuthKeys, Authenticator]] = {}


def _authenticator(keys: AuthKeys) -> Authenticator:
    hit = _CACHE.get(id(keys))
    if hit is not None and hit[0] is keys:
        return hit[1]
    auth = Authenticator(keys)
    if len(_CACHE) >= 16:
        _CACHE.clear()
    _CACHE[id(keys)] = (keys, auth)
    return auth


def verify_datagram(dg: Datagram, keys: AuthKeys) -> Message:
    """Strictly verify an already decoded datagram (see the module doc)."""
    return _authenticator(keys).verify(dg)


def open_datagram(data: bytes, keys: AuthKeys) -> Message:
    """Decode + strictly verify ``data``; the message, or WireError."""
    return _authenticator(keys).verify(decode(data))
