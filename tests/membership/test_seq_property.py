"""SeqTracker properties: whatever the order and duplication, every seq is accepted
exactly once, and ackseq is the highest seq with all lower ones received."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ha_agents.membership.peers import SeqTracker, SeqVerdict


@given(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=200))
def test_each_seq_accepted_once_and_ackseq_is_contiguous(seqs: list[int]) -> None:
    tracker = SeqTracker()
    first = seqs[0]
    accepted: list[int] = []
    for s in seqs:
        verdict, _ = tracker.accept(7, s)
        if verdict in (SeqVerdict.NEW, SeqVerdict.GAP):
            accepted.append(s)
        else:
            assert verdict is SeqVerdict.DUPLICATE
    expected = sorted({s for s in seqs if s >= first})
    assert sorted(accepted) == expected  # below the first seen = before we listened
    ack = first - 1
    while ack + 1 in set(expected):
        ack += 1
    assert tracker.ackseq == ack


@given(st.integers(min_value=2, max_value=1000), st.integers(min_value=1, max_value=50))
def test_lower_generation_is_always_a_replay(hg: int, seq: int) -> None:
    tracker = SeqTracker()
    tracker.accept(hg, seq)
    assert tracker.accept(hg - 1, seq + 1)[0] is SeqVerdict.REPLAY
    assert tracker.accept(hg + 1, 1)[0] is SeqVerdict.RESTART
