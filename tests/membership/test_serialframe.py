"""Serial framing as Heartbeat 3.0.6 writes it: classic text frames, recovered from a byte
stream with noise, CRs and splits; what we write is byte for byte what Heartbeat writes
(frames captured from a real Heartbeat on a pty, tests/data/serial/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.daemon.serialframe import MAX_FRAME, SerialDeframer, to_serial
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.codec import Field
from ha_agents.wire.errors import WireError

LOC = Location("authkeys", 1)
AUTH = Authenticator(
    AuthKeys(1, {1: AuthKey(1, AuthMethod.SHA1, b"ha-agents-lab-secret", LOC)}, LOC)
)
CAPTURED = (Path(__file__).parents[1] / "data/serial/heartbeat-3.0.6-frames.txt").read_bytes()
DG1 = AUTH.sign([Field.text("t", "status"), Field.text("st", "init"), Field.text("seq", "1")])
DG2 = AUTH.sign([Field.text("t", "starting"), Field.binary("srcuuid", b"\x01" * 16)])
FR1, FR2 = to_serial(DG1), to_serial(DG2)


def test_heartbeats_serial_frames_are_read_and_verified() -> None:
    frames = SerialDeframer().feed(CAPTURED)
    assert len(frames) == CAPTURED.count(b">>>\n") >= 10
    types = {AUTH.open(f).get("t") for f in frames}
    assert {"status", "starting", "reqnodes", "NS_ackmsg"} <= types


def test_we_write_what_heartbeat_writes_for_the_same_fields() -> None:
    for frame in SerialDeframer().feed(CAPTURED):
        fields = AUTH.open(frame).without("auth").fields
        assert to_serial(AUTH.sign(fields)) == frame


def test_a_frame_is_classic_text_with_auth_last() -> None:
    assert FR1.startswith(b">>>\nt=status\nst=init\nseq=1\nauth=1 ") and FR1.endswith(b"\n<<<\n")
    assert b"(1)srcuuid=AQEBAQEBAQEBAQEBAQEBAQ==\n" in FR2
    assert AUTH.open(FR1).get("st") == "init"


def test_frames_split_anywhere_with_noise_and_crs_are_recovered() -> None:
    stream = b"noise\n\x00\xff\n" + FR1.replace(b"\n", b"\r\n") + b"junk\n" + FR2
    for cut in range(len(stream)):
        d = SerialDeframer()
        assert d.feed(stream[:cut]) + d.feed(stream[cut:]) == [FR1, FR2], cut


def test_a_partial_frame_is_abandoned_at_the_next_start() -> None:
    d = SerialDeframer()
    partial = FR1[: FR1.index(b"st=")]  # ">>>\nt=status\n", then the line was lost
    assert d.feed(partial + FR2) == [FR2]
    assert d.skipped == len(partial)


def test_an_endless_line_or_frame_is_dropped_and_counted() -> None:
    d = SerialDeframer()
    assert d.feed(b">>>\n" + b"x" * (MAX_FRAME + 10)) == []
    assert d.feed(b"\n<<<\n" + FR1) == [FR1]
    assert d.skipped >= MAX_FRAME
    d = SerialDeframer()
    assert d.feed(b">>>\n" + b"a=b\n" * (MAX_FRAME // 4 + 1) + b"<<<\n" + FR2) == [FR2]


def test_a_value_with_a_newline_has_no_serial_form() -> None:
    with pytest.raises(WireError):
        to_serial(AUTH.sign([Field.text("t", "x"), Field.text("info", "a\nb")]))
