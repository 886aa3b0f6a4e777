"""Signing and strict verification (wire.md §3 plus our stricter receive rules)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ha_agents.config.model import AuthKey, AuthMethod, Location
from ha_agents.wire.auth import Authenticator, Digester, crc_hexdigest, open_datagram, sign
from ha_agents.wire.codec import (
    Field,
    Trailer,
    WireError,
    classic_text,
    decode,
    encode_classic,
    encode_netstring,
    netstring,
)
from ha_agents.wire.messages import envelope, status
from tests.wire.helpers import VALID, keys

UUID = bytes(range(16))


def _body() -> tuple[Field, ...]:
    return envelope(
        status("active", 6000),
        src="node1",
        srcuuid=UUID,
        seq=5,
        hg=0x6B06A1A5,
        ts=0x6B06A1B0,
        ld="0.05 0.16 0.08 2/91 6389",
        ttl=3,
    )


def _key(idx: int, method: str, key: bytes = b"") -> AuthKey:
    return AuthKey(idx, AuthMethod(method), key, Location("test", 1))


def _reason(data: bytes, ks: object) -> str:
    with pytest.raises(WireError) as err:
        open_datagram(data, ks)  # type: ignore[arg-type]
    return err.value.reason


def _resign_trailer(body: bytes, key: AuthKey) -> bytes:
    """A datagram whose trailer is correct for ``body`` (an attacker holding the key)."""
    return body + netstring(Digester(key).auth_value(body))


def test_crc_check_value_and_no_leading_zeros() -> None:
    assert crc_hexdigest(b"123456789") == "765e7680"
    assert crc_hexdigest(b"") == "ffffffff"
    table_crc = _slow_crc(b"Heartbeat 3.0.6 \x00\xff")
    assert crc_hexdigest(b"Heartbeat 3.0.6 \x00\xff") == table_crc


def _slow_crc(data: bytes) -> str:
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return f"{~crc & 0xFFFFFFFF:x}"


@pytest.mark.parametrize("method", ["md5", "sha1", "sha256"])
@pytest.mark.parametrize("key", [b"k", b"key with trailing", b"x" * 64, b"L" * 130])
def test_digester_is_rfc2104_hmac(method: str, key: bytes) -> None:
    data = b"###\nsome data\n%%%\n"
    want = hmac.new(key, data, getattr(hashlib, method)).hexdigest()
    assert Digester(_key(1, method, key)).hexdigest(data) == want


@pytest.mark.parametrize("method", ["crc", "md5", "sha1", "sha256"])
def test_sign_then_open_round_trips(method: str) -> None:
    k = _key(4, method, b"s3cret")
    data = sign(_body(), k)
    msg = open_datagram(data, keys((4, method, b"s3cret"), active=4))
    assert msg.fields[:-1] == _body()
    auth = msg.get("auth")
    assert auth is not None and auth.startswith("4 ")


def test_sign_layout_inner_auth_then_trailer() -> None:
    k = _key(1, "md5", b"ZebraPlanet-42!")
    data = sign(_body(), k)
    d = Digester(k)
    inner = d.hexdigest(classic_text(_body()))
    assert data.endswith(
        b"(0)auth=1 "
        + inner.encode()
        + b",%%%\n34:1 "
        + d.hexdigest(data[: data.index(b"%%%\n") + 4]).encode()
        + b","
    )


def test_sign_refuses_fields_with_auth() -> None:
    with pytest.raises(ValueError):
        sign((*_body(), Field.text("auth", "1 x")), _key(1, "md5", b"k"))


def test_sha256_is_not_readable_as_sha1_or_md5() -> None:
    data = sign(_body(), _key(1, "sha256", b"k"))
    assert len(decode(data).trailer.digest) == 64  # type: ignore[union-attr]
    assert _reason(data, keys((1, "sha1", b"k"), active=1)) == "bad_trailer_digest"


def test_key_of_the_named_index_is_used_not_the_outbound_key() -> None:
    # receiver: auth 1 (md5 Kone), 3 sha1 Kthree.  Heartbeat would check index 3 with
    # Kone; we use Kthree, so a packet signed by index 3 with Kthree is accepted ...
    ks = keys((1, "md5", b"Kone"), (3, "sha1", b"Kthree"), active=1)
    open_datagram(sign(_body(), _key(3, "sha1", b"Kthree")), ks)
    # ... and one signed with the outbound key under index 3 is not.
    assert _reason(sign(_body(), _key(3, "sha1", b"Kone")), ks) == "bad_trailer_digest"


def test_unknown_key_index_refused() -> None:
    data = sign(_body(), _key(2, "md5", b"k"))
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "unknown_key_index"


def test_crc_packet_is_a_downgrade_when_we_sign_with_hmac() -> None:
    crc_packet = sign(_body(), _key(2, "crc"))
    ks = keys((1, "md5", b"k"), (2, "crc", b""), active=1)
    assert _reason(crc_packet, ks) == "downgrade"
    md5_packet = sign(_body(), _key(1, "md5", b"k"))
    assert _reason(md5_packet, keys((1, "md5", b"k"), (2, "sha1", b"k2"), active=2)) == "downgrade"
    # our active method crc: crc packets are what we expect
    open_datagram(crc_packet, keys((1, "md5", b"k"), (2, "crc", b""), active=2))
    # a stronger method than ours is fine (key rollover upwards)
    sha_packet = sign(_body(), _key(2, "sha1", b"k2"))
    open_datagram(sha_packet, keys((1, "md5", b"k"), (2, "sha1", b"k2"), active=1))


def _netstring_body(fields: tuple[Field, ...]) -> bytes:
    return encode_netstring(fields)


def test_missing_inner_auth_refused_even_with_good_trailer() -> None:
    k = _key(1, "md5", b"k")
    data = _resign_trailer(_netstring_body(_body()), k)
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "missing_inner_auth"


def test_wrong_inner_auth_refused_even_with_good_trailer() -> None:
    k = _key(1, "md5", b"k")
    bad_inner = Field.text("auth", "1 " + "0" * 32)
    data = _resign_trailer(_netstring_body((*_body(), bad_inner)), k)
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "bad_inner_auth"


def test_inner_auth_not_last_refused() -> None:
    k = _key(1, "md5", b"k")
    good = decode(sign(_body(), k)).message.fields
    moved = (good[-1], *good[:-1])
    data = _resign_trailer(_netstring_body(moved), k)
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "bad_inner_auth"


def test_inner_auth_with_other_index_refused() -> None:
    k1, k2 = _key(1, "md5", b"k"), _key(2, "md5", b"k")
    inner = Field("auth", Digester(k2).auth_value(classic_text(_body())))
    data = _resign_trailer(_netstring_body((*_body(), inner)), k1)
    ks = keys((1, "md5", b"k"), (2, "md5", b"k"), active=1)
    assert _reason(data, ks) == "method_mismatch"


def test_duplicate_field_refused_even_when_fully_resigned() -> None:
    fields = (*_body(), Field.text("seq", "99"))
    data = sign(fields, _key(1, "md5", b"k"))
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "duplicate_field"


def test_unsupported_field_type_refused() -> None:
    k = _key(1, "md5", b"k")
    fields = (*_body(), Field("nested", b"###\n%%%\n", 2), Field.text("auth", "1 00"))
    data = _resign_trailer(_netstring_body(fields), k)
    assert _reason(data, keys((1, "md5", b"k"), active=1)) == "unsupported_type"


def test_classic_datagram_verified_by_its_auth_line() -> None:
    k = _key(1, "sha1", b"k")
    auth = Field("auth", Digester(k).auth_value(classic_text(_body())))
    ks = keys((1, "sha1", b"k"), active=1)
    assert open_datagram(encode_classic((*_body(), auth)), ks).get("st") == "active"
    wrong = Field("auth", Digester(_key(1, "sha1", b"x")).auth_value(classic_text(_body())))
    assert _reason(encode_classic((*_body(), wrong)), ks) == "bad_inner_auth"
    assert _reason(encode_classic(_body()), ks) == "unsigned"


def test_authenticator_signs_with_the_active_key() -> None:
    ks = keys((1, "md5", b"old"), (2, "sha1", b"new"), active=2)
    auth = Authenticator(ks)
    data = auth.sign(_body())
    assert decode(data).trailer == Trailer(2, Digester(ks.keys[2]).hexdigest(decode(data).signed))
    assert auth.open(data).fields[:-1] == _body()


def test_authenticator_requires_the_active_key() -> None:
    with pytest.raises(ValueError):
        Authenticator(keys((1, "md5", b"k"), active=2))


def test_long_and_space_keys_of_real_runs_verify() -> None:
    for run in ("L_longkey", "S_spacekey"):
        vecs = [v for v in VALID if v.run == run]
        assert vecs
        for v in vecs:
            open_datagram(v.data, v.auth_keys())
    assert len(next(v for v in VALID if v.run == "L_longkey").key) > 64
    assert next(v for v in VALID if v.run == "S_spacekey").key == b"key"
