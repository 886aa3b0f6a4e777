"""Hostile datagrams through the daemon's real receive path (decode + strict verify +
membership engine + failover upper layer): nothing but the wire layer's own error comes
out of the wire layer, nothing at all comes out of the daemon, and every rejected
datagram is counted under its reason in the status document."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ha_agents.wire.auth import Authenticator
from ha_agents.wire.codec import MAX_DATAGRAM, decode
from ha_agents.wire.errors import AUTH_REASONS, FRAMING_REASONS, WireError

from .forge import (
    captures,
    deep_lengths,
    hostile,
    mutate,
    nested,
    signed_random,
    status_fields,
    wrong_encoding,
)
from .receive import NODES, ReceivePath

SEEDS = captures()
REASONS = FRAMING_REASONS | AUTH_REASONS
FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def rx() -> Iterator[ReceivePath]:
    path = ReceivePath()
    yield path
    path.close()


def _through(rx: ReceivePath, data: bytes) -> None:
    """Feed one datagram; if the wire layer rejects it, its reason's counter must go up
    by exactly one and no other wire counter may move."""
    reason = rx.classify(data)
    before = rx.dropped()
    rx.feed([data])
    after = rx.dropped()
    if reason is not None:
        assert reason in REASONS, reason
        assert after.get(reason, 0) == before.get(reason, 0) + 1, (reason, before, after)
    moved = {r for r in REASONS if after.get(r, 0) != before.get(r, 0)}
    assert moved <= ({reason} if reason else set()), (reason, moved)


def test_seed_captures_exist() -> None:
    assert len(SEEDS) >= 200  # the real captures of tests/wire/vectors


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_are_rejected_by_reason_and_counted(rx: ReceivePath, data: bytes) -> None:
    _through(rx, data)


@FUZZ
@given(st.integers(0, len(SEEDS) - 1), st.integers(0, 2**32))
def test_mutated_real_captures_never_crash(rx: ReceivePath, i: int, seed: int) -> None:
    _through(rx, mutate(SEEDS[i], random.Random(seed)))


@FUZZ
@given(st.integers(0, 2**32))
def test_signed_random_messages_reach_the_engine_without_crashing(
    rx: ReceivePath, seed: int
) -> None:
    data = signed_random(random.Random(seed), rx.key, list(NODES))
    _through(rx, data)


@FUZZ
@given(st.integers(0, len(SEEDS) - 1), st.integers(0, 2**32))
def test_wrong_encodings_are_rejected(rx: ReceivePath, i: int, seed: int) -> None:
    data = wrong_encoding(SEEDS[i], random.Random(seed))
    if data != SEEDS[i]:
        assert rx.classify(data) is not None
    _through(rx, data)


@pytest.mark.parametrize("depth", [1, 10, 100, 1000, 5000])
def test_deeply_nested_netstrings_are_rejected_without_recursion(
    rx: ReceivePath, depth: int
) -> None:
    for data in (nested(depth), nested(depth, 3), deep_lengths(depth)):
        assert rx.classify(data) is not None
        _through(rx, data)


@pytest.mark.parametrize("size", [MAX_DATAGRAM + 1, 10 * MAX_DATAGRAM])
def test_oversized_datagrams_are_rejected_as_oversize(rx: ReceivePath, size: int) -> None:
    data = SEEDS[0][:-1] + b"a" * (size - len(SEEDS[0]) + 1)
    assert len(data) == size
    assert rx.classify(data) == "oversize"
    _through(rx, data)


@FUZZ
@given(st.integers(0, 2**32))
def test_the_mix_of_everything(rx: ReceivePath, seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(5):
        _through(rx, hostile(rnd, SEEDS, rx.key, list(NODES)))


@FUZZ
@given(st.binary(max_size=1024))
def test_decode_raises_only_wire_error(data: bytes) -> None:
    try:
        decode(data)
    except WireError as exc:
        assert exc.reason in FRAMING_REASONS


def test_a_flipped_bit_anywhere_in_a_signed_datagram_is_rejected(rx: ReceivePath) -> None:
    """Every single-bit change of a good datagram is refused (the whole datagram is
    covered by one of the two digests, or breaks the framing)."""
    good = Authenticator(rx.daemon.config.authkeys).sign(status_fields("node2", 7, 1))
    assert rx.classify(good) is None
    for i in range(len(good)):
        for bit in range(8):
            bad = bytearray(good)
            bad[i] ^= 1 << bit
            assert rx.classify(bytes(bad)) is not None, (i, bit)


def test_status_is_still_served_after_the_fuzzing(rx: ReceivePath) -> None:
    doc = rx.status()
    assert doc["node"] == "node1"
    assert sum(v for k, v in doc["dropped"].items() if k in REASONS) > 0
