"""A representative subset of the fault matrix (the whole matrix: bench/faults.py).

Each runs on a fresh two-node cluster in namespaces (100ms/500ms, auto_failback on) with a
client polling the VIP: the service comes back, two owners never last more than two
keepalives after the heal, and the state files are whole.  The state-dir faults check
that a node that cannot persist its generation refuses to start and never reuses one.
"""

from __future__ import annotations

import pytest

from . import faults

pytestmark = [pytest.mark.netns, pytest.mark.slow]


def _check(r: faults.Result) -> None:
    detail = f"{r.fault}: {r.outcome} {r.notes}"
    assert r.restored, "service not restored: " + detail
    assert r.dual_after_heal_s <= 2 * faults.KEEPALIVE_S + 0.1, "two owners after heal: " + detail
    assert r.state_ok, "state files: " + detail


def test_sigkill_of_the_owner_fails_over_and_back() -> None:
    r = faults.sigkill("tk")
    assert "n2 took over: True" in r.outcome, r.outcome
    assert "client on n1 5 s after restart: True" in r.outcome, r.outcome
    _check(r)


def test_sigstop_then_sigcont_of_the_owner() -> None:
    r = faults.sigstop("ts", frozen_s=1.0)
    assert "n2 took over: True" in r.outcome and "one owner after resume: True" in r.outcome
    _check(r)


def test_partition_and_heal() -> None:
    r = faults.partition("tx", seconds=1.0)
    assert "one owner after heal: True" in r.outcome, r.outcome
    _check(r)


def test_one_way_loss_heals_to_one_owner() -> None:
    r = faults.one_way("to", seconds=2.0)
    assert "one owner after heal: True" in r.outcome, r.outcome
    _check(r)


def test_full_state_dir_refuses_start_and_never_reuses_a_generation() -> None:
    r = faults.state_dir_full("td")
    assert r.state_ok and r.restored, f"{r.outcome} {r.notes}"


def test_read_only_state_dir_refuses_start_and_never_reuses_a_generation() -> None:
    r = faults.state_dir_readonly("tr")
    assert r.state_ok and r.restored, f"{r.outcome} {r.notes}"
