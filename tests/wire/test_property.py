"""Property tests: round trips, hostile input raises only WireError, bit flips never verify."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ha_agents.config.model import AuthKey, AuthMethod, Location
from ha_agents.wire.auth import open_datagram, sign
from ha_agents.wire.codec import (
    Field,
    Trailer,
    WireError,
    _decode_fast,
    _decode_netstring,
    classic_text,
    decode,
    encode_classic,
    encode_netstring,
)
from ha_agents.wire.encode import classic_before_auth
from tests.wire.helpers import VALID, keys

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "=()")

names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=12)
tricky = st.sampled_from(
    [b",", b"%%%\n", b"12:(0)a=b,", b":", b"(", b"=", b"\n", b"###\n", b"\n(0)", b"(0)"]
)
values = st.lists(st.one_of(st.binary(max_size=40), tricky), max_size=4).map(b"".join)
fields = st.builds(Field, names, values, st.integers(0, 5))
trailers = st.builds(
    Trailer, st.integers(0, 999), st.text(alphabet="0123456789abcdef", min_size=1, max_size=64)
)


def _check_only_wire_errors(data: bytes) -> None:
    with contextlib.suppress(WireError):
        decode(data)
    with contextlib.suppress(WireError):
        open_datagram(data, VALID[0].auth_keys())


@SETTINGS
@given(st.lists(fields, max_size=20), trailers)
def test_netstring_round_trip(fs: list[Field], trailer: Trailer) -> None:
    data = encode_netstring(fs, trailer)
    dg = decode(data)
    assert dg.message.fields == tuple(fs)
    assert dg.trailer == trailer
    assert dg.encode() == data
    fast = _decode_fast(data)
    assert fast is None or fast == _decode_netstring(data)
    if fs and all(f.type < 2 and f.name != "auth" for f in fs):
        signed_like = decode(encode_netstring([*fs, Field("auth", b"1 0")], trailer))
        assert classic_before_auth(signed_like.message) == classic_text(fs)


classic_fields = st.one_of(
    st.builds(Field, names, values.filter(lambda v: b"\n" not in v), st.just(0)),
    st.builds(Field, names, values, st.just(1)),
)


@SETTINGS
@given(st.lists(classic_fields, max_size=20))
def test_classic_round_trip(fs: list[Field]) -> None:
    data = encode_classic(fs)
    dg = decode(data)
    assert dg.message.fields == tuple(fs)
    assert dg.encode() == data


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_wire_error(data: bytes) -> None:
    _check_only_wire_errors(data)
    _check_only_wire_errors(b"###\n" + data)
    _check_only_wire_errors(b">>>\n" + data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)).data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.sampled_from(b",:()=%#\n0123456789a"))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        else:
            del data[pos:]
    return bytes(data)


@SETTINGS
@given(mutated())
def test_mutated_datagrams_raise_only_wire_error(data: bytes) -> None:
    _check_only_wire_errors(data)


@SETTINGS
@given(st.sampled_from(VALID), st.data())
def test_one_flipped_bit_in_a_real_datagram_fails_verification(
    vec: object, data: st.DataObject
) -> None:
    raw = vec.data  # type: ignore[attr-defined]
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    flipped = bytearray(raw)
    flipped[bit // 8] ^= 1 << (bit % 8)
    try:
        open_datagram(bytes(flipped), vec.auth_keys())  # type: ignore[attr-defined]
    except WireError:
        return
    raise AssertionError(f"bit {bit} flipped and the datagram still verified")


@SETTINGS
@given(
    st.lists(
        st.builds(Field, names.filter(lambda n: n != "auth"), values, st.integers(0, 1)),
        min_size=1,
        max_size=12,
        unique_by=lambda f: f.name,
    ),
    st.sampled_from(["crc", "md5", "sha1", "sha256"]),
    st.binary(min_size=1, max_size=80),
    st.data(),
)
def test_signed_generated_messages_verify_and_any_bit_flip_fails(
    fs: list[Field], method: str, key: bytes, data: st.DataObject
) -> None:
    k = AuthKey(5, AuthMethod(method), key, Location("t", 1))
    ks = keys((5, method, key), active=5)
    raw = sign(fs, k)
    assert open_datagram(raw, ks).fields[:-1] == tuple(fs)
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    flipped = bytearray(raw)
    flipped[bit // 8] ^= 1 << (bit % 8)
    try:
        open_datagram(bytes(flipped), ks)
    except WireError:
        return
    raise AssertionError(f"bit {bit} flipped and the datagram still verified")
