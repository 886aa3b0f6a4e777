"""IPC framing and ha_msg bodies: round trips and arbitrary bytes (hypothesis)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ha_agents.api.body import BodyError, encode_body, parse_body
from ha_agents.api.frames import MAX_BODY, FrameError, FrameReader, encode_frame

# A frame cl_status sends (captured with strace against Heartbeat 3.0.6).
SIGNON = (
    b"\x53\x00\x00\x00\xcd\xab\x00\x00>>>\nt=hbapi-req\nreqtype=signon\ndest=node1\n"
    b"pid=9051\nfrom_id=9051\nuid=0\ngid=105\n<<<\n\x00"
)


def test_captured_signon_decodes_and_reencodes_identically() -> None:
    (body,) = FrameReader().feed(SIGNON)
    fields = parse_body(body)
    assert fields[:2] == (("t", "hbapi-req"), ("reqtype", "signon"))
    assert encode_frame(encode_body(fields)) == SIGNON


def test_frames_split_anywhere_reassemble() -> None:
    data = SIGNON * 3
    for cut in range(len(data)):
        reader = FrameReader()
        bodies = reader.feed(data[:cut]) + reader.feed(data[cut:])
        assert len(bodies) == 3 and reader.pending == 0


def test_binary_fields_travel_as_base64() -> None:
    fields = (("t", "hbapi-resp"), ("queryuuid", bytes(range(16))))
    assert b"(1)queryuuid=AAECAwQFBgcICQoLDA0ODw==\n" in encode_body(fields)
    assert parse_body(encode_body(fields)) == fields


def test_limits() -> None:
    with pytest.raises(FrameError):
        encode_frame(b"x" * (MAX_BODY + 1))
    with pytest.raises(FrameError) as err:
        FrameReader().feed(b"\xff\xff\xff\x7f\xcd\xab\x00\x00")
    assert err.value.reason == "oversize"


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_frame_errors(data: bytes) -> None:
    try:
        bodies = FrameReader().feed(data)
    except FrameError:
        return
    for body in bodies:
        with contextlib.suppress(BodyError):
            parse_body(body)


@given(
    st.lists(
        st.tuples(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), st.text("abc =/.", max_size=20)),
        max_size=8,
    )
)
def test_body_round_trip(pairs: list[tuple[str, str]]) -> None:
    fields = tuple(pairs)
    assert parse_body(encode_body(fields)) == fields
