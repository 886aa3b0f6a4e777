"""Packet counters grouped the way an operator asks about them.  Pure.

The engine counts every drop by a stable reason (wire.WireError reasons for datagrams
that failed to decode or verify, membership reasons for messages it refused).  Status
and metrics show the total dropped plus two groups a sysadmin watches for: *forged*
(a signature or identity check failed) and *replayed* (an old generation).

This module is the one definition: ``status --json`` (``dropped``, ``events``,
``counters``), plain ``status``, ``watch`` and the metrics all split and sum with it,
so ``counters["dropped"]`` is always the sum of ``dropped``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Counted, but not a drop: our own datagram heard back, a peer's rexmit answered, a
#: duplicate (the same packet on a second link: with two links, every packet), bookkeeping.
NOT_DROPS = frozenset(
    {
        "own_echo",
        "rexmit_answered",
        "duplicate",
        "lost_packets",
        "rexmit_given_up",
        "source_changed",
    }
)
FORGED = frozenset(
    {
        "bad_trailer_digest",
        "bad_inner_auth",
        "missing_inner_auth",
        "unsigned",
        "unknown_key_index",
        "downgrade",
        "method_mismatch",
        "forged_self",
        "source_mismatch",
        "unknown_node",
    }
)
REPLAYED = frozenset({"replay_old_generation"})


def summarize(counters: Mapping[str, int]) -> dict[str, int]:
    """``{"dropped": N, "forged": F, "replayed": R}`` from the per-reason counters."""
    dropped = sum(n for reason, n in counters.items() if reason not in NOT_DROPS)
    forged = sum(n for reason, n in counters.items() if reason in FORGED)
    replayed = sum(n for reason, n in counters.items() if reason in REPLAYED)
    return {"dropped": dropped, "forged": forged, "replayed": replayed}


def split(counters: Iterable[tuple[str, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """The engine's per-reason counters as (dropped, events): what was refused, and
    what was counted but is not a drop (``NOT_DROPS``)."""
    pairs = list(counters)
    dropped = {reason: n for reason, n in pairs if reason not in NOT_DROPS}
    events = {reason: n for reason, n in pairs if reason in NOT_DROPS}
    return dropped, events
