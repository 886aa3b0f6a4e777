"""Serial framing: datagrams are recovered from a byte stream with noise and splits."""

from __future__ import annotations

from ha_agents.daemon.serialframe import SerialDeframer

DG1 = b"###\n11:(0)t=status,10:(0)st=init,%%%\n34:1 1e91390545ef7f161a426efdf0fb3b0b,"
DG2 = b"###\n12:(0)src=node2,%%%\n4:1 ab,"


def test_frames_split_anywhere_and_noise_between_are_recovered() -> None:
    stream = b"noise" + DG1 + b"\x00\xff" + DG2
    for cut in range(len(stream)):
        d = SerialDeframer()
        frames = d.feed(stream[:cut]) + d.feed(stream[cut:])
        assert frames == [DG1, DG2], cut


def test_a_corrupt_frame_is_skipped_and_the_next_one_found() -> None:
    d = SerialDeframer()
    bad = b"###\n99x:(0)t=status,"
    assert d.feed(bad + DG2) == [DG2]
    assert d.skipped > 0
