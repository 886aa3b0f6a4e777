"""The datagram codec: framing, limits, classic form, Message API."""

from __future__ import annotations

import binascii

import pytest

from ha_agents.wire.codec import (
    MAX_DATAGRAM,
    MAX_FIELDS,
    MAX_VALUE_LEN,
    Field,
    Message,
    Trailer,
    WireError,
    _decode_fast,
    _decode_netstring,
    classic_text,
    decode,
    encode_classic,
    encode_netstring,
    netstring,
)
from ha_agents.wire.encode import classic_before_auth
from tests.wire.helpers import VALID

UUID = bytes.fromhex("5718d19da03a4b4c9b68e6547f446c26")


def _fields() -> tuple[Field, ...]:
    return (
        Field.text("t", "status"),
        Field.text("st", "up"),
        Field.binary("srcuuid", UUID),
        Field.text("ld", "0.06 0.17 0.08 1/91 6360"),
    )


def _reason(data: bytes) -> str:
    with pytest.raises(WireError) as err:
        decode(data)
    return err.value.reason


def test_encode_netstring_frames_fields_like_heartbeat() -> None:
    out = encode_netstring(_fields(), Trailer(1, "abc"))
    assert out.startswith(b"###\n11:(0)t=status,8:(0)st=up,27:(1)srcuuid=" + UUID + b",")
    assert out.endswith(b"%%%\n5:1 abc,")
    dg = decode(out)
    assert dg.message.fields == _fields()
    assert dg.trailer == Trailer(1, "abc")
    assert dg.signed == out[: out.index(b"%%%\n") + 4]


def test_classic_text_matches_the_inner_auth_input_of_examples_md() -> None:
    (vec,) = [v for v in VALID if v.name == "t0/pkt0000/node1/status"]
    dg = decode(vec.data)
    assert classic_text(dg.message.fields) == (
        b"t=status\nst=init\ndt=1f40\nprotocol=1\nsrc=node1\n"
        b"(1)srcuuid=VxjRnaA6S0ybaOZUf0RsJg==\nseq=1\nhg=6b06a1a5\nts=6b06a1a4\n"
        b"ld=0.06 0.17 0.08 1/91 6360\nttl=3\n"
    )


def test_classic_datagram_round_trips() -> None:
    data = encode_classic((*_fields(), Field.text("auth", "1 00ff")))
    assert data.startswith(b">>>\nt=status\nst=up\n(1)srcuuid=VxjRnaA6S0ybaOZUf0RsJg==\n")
    assert data.endswith(b"auth=1 00ff\n<<<\n")
    dg = decode(data)
    assert dg.format == "classic" and dg.trailer is None
    assert dg.message.fields[:4] == _fields()
    assert dg.encode() == data


def test_hb_standby_fifo_message_decodes() -> None:
    dg = decode(b">>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n")
    assert dg.message.type == "ask_resources" and dg.message.get("info") == "me"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"##", "truncated"),
        (b"GET / HTTP/1.0\r\n", "bad_magic"),
        (b"###\n", "truncated"),
        (b"###\n11:(0)t=status,", "truncated"),
        (b"###\n11:(0)t=status,%%%\n", "no_trailer"),
        (b"###\n011:(0)t=status,%%%\n3:1 a,", "bad_length"),
        (b"###\nx:(0)t=status,%%%\n3:1 a,", "bad_length"),
        (b"###\n11:(0)t=status;%%%\n3:1 a,", "bad_netstring"),
        (b"###\n8:t=status,%%%\n3:1 a,", "bad_field"),
        (b"###\n11:(9)t=status,%%%\n3:1 a,", "bad_type"),
        (b"###\n11:(0)tstatus1,%%%\n3:1 a,", "bad_field"),
        (b"###\n11:(0)t t=stat,%%%\n3:1 a,", "bad_name"),
        (b"###\n11:(0)=tstatus,%%%\n3:1 a,", "bad_name"),
        (b"###\n11:(0)t=status,%%%\n3:1 a,x", "trailing_garbage"),
        (b"###\n11:(0)t=status,%%%\n3:1 A,", "bad_trailer"),
        (b"###\n11:(0)t=status,%%%\n2:1a,", "bad_trailer"),
        (b"###\n11:(0)t=status,%%%\n3:01a,", "bad_trailer"),
        (b"###\n11:(0)t=status,%%%\n9:1 a,", "truncated"),
        (b">>>\nt=status\n", "truncated"),
        (b">>>\nt=status\nnovalue\n<<<\n", "bad_field"),
        (b">>>\n(1)srcuuid=!!!\n<<<\n", "bad_base64"),
        (b">>>\n(2)x=1\n<<<\n", "unsupported_type"),
    ],
)
def test_malformed_datagram_refused_with_reason(data: bytes, reason: str) -> None:
    assert _reason(data) == reason


def test_limits_are_enforced() -> None:
    assert _reason(b"###\n" + b"x" * MAX_DATAGRAM) == "oversize"
    many = encode_netstring([Field.text("a", "b")] * MAX_FIELDS, Trailer(1, "a"))
    assert len(decode(many).message) == MAX_FIELDS
    too_many = many.replace(b"###\n", b"###\n6:(0)a=b,", 1)
    assert _reason(too_many) == "too_many_fields"
    big = b"###\n" + netstring(b"(0)v=" + b"x" * (MAX_VALUE_LEN + 1)) + b"%%%\n3:1 a,"
    assert _reason(big) == "field_too_long"
    long_name = b"###\n" + netstring(b"(0)" + b"n" * 65 + b"=v") + b"%%%\n3:1 a,"
    assert _reason(long_name) == "bad_name"
    with pytest.raises(WireError) as err:
        Message([Field.text("a", "b")] * (MAX_FIELDS + 1))
    assert err.value.reason == "too_many_fields"


def test_message_constructor_validates_fields() -> None:
    for bad in (Field("", b"x"), Field("a=b", b"x"), Field("é", b"x"), Field("a b", b"x")):
        with pytest.raises(WireError) as err:
            Message([bad])
        assert err.value.reason == "bad_name"
    with pytest.raises(WireError):
        Message([Field("a", b"x", 9)])
    with pytest.raises(WireError) as err:
        Field.text("src", "nodé\u20ac")
    assert err.value.reason == "bad_value"


def test_binary_value_containing_field_like_bytes_takes_the_exact_path() -> None:
    evil = b"x,12:(0)a=bc,%%%\n3:1 a,"
    fields = (Field.text("t", "status"), Field.binary("srcuuid", evil), Field.text("z", "1"))
    data = encode_netstring(fields, Trailer(7, "ff"))
    assert _decode_fast(data) is None
    dg = decode(data)
    assert dg.message.fields == fields and dg.trailer == Trailer(7, "ff")
    assert dg == _decode_netstring(data)


def test_other_field_types_are_kept_opaque_and_round_trip() -> None:
    fields = (Field.text("t", "x"), Field("nested", b"###\n%%%\n", 2), Field("list", b"a", 3))
    data = encode_netstring(fields, Trailer(1, "a"))
    assert decode(data).message.fields == fields
    assert decode(data).encode() == data


def test_message_api() -> None:
    m = Message((*_fields(), Field.text("st", "dead")))
    assert m.type == "status"
    assert m.get("st") == "up"  # first occurrence
    assert m.get_all("st") == (b"up", b"dead")
    assert m.get_bytes("srcuuid") == UUID
    assert m.get("missing") is None and m.get_bytes("missing") is None
    assert m.names == ("t", "st", "srcuuid", "ld", "st")
    assert m.duplicate_names == ("st",)
    assert "ld" in m and "nope" not in m
    assert m.without("st").names == ("t", "srcuuid", "ld")
    assert m.field("srcuuid") == Field("srcuuid", UUID, 1)
    assert m == Message(list(m)) and hash(m) == hash(Message(list(m)))
    assert len(m) == 5
    assert Message.of(("t", "status"), ("srcuuid", UUID)).fields == (
        Field.text("t", "status"),
        Field.binary("srcuuid", UUID),
    )
    assert "status" in repr(m)


def test_decoded_message_is_immutable() -> None:
    m = decode(VALID[0].data).message
    with pytest.raises(AttributeError):
        m.fields[0].name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        m.extra = 1  # type: ignore[attr-defined]


def test_encode_classic_refuses_newline_in_string() -> None:
    with pytest.raises(WireError) as err:
        encode_classic([Field.text("a", "x\ny")])
    assert err.value.reason == "bad_value"


def test_base64_in_classic_is_canonical() -> None:
    good = binascii.b2a_base64(UUID, newline=False)
    assert decode(b">>>\n(1)u=" + good + b"\n<<<\n").message.get_bytes("u") == UUID


def test_classic_text_shortcut_falls_back_when_a_value_holds_a_field_prefix() -> None:
    fields = (
        Field.text("t", "x"),
        Field("note", b"a\n(0)b=c", 0),
        Field.binary("u", UUID),
        Field.text("auth", "1 0"),
    )
    msg = decode(encode_netstring(fields, Trailer(1, "0"))).message
    assert classic_before_auth(msg) == b"t=x\nnote=a\n(0)b=c\n(1)u=VxjRnaA6S0ybaOZUf0RsJg==\n"
    assert classic_before_auth(Message(fields)) == classic_text(fields)
