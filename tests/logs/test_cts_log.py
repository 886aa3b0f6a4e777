"""Heartbeat's Cluster Test System's test kinds against a two-node ha_agents cluster in
the lab (one run, tests/logs/conftest.py): for each kind, CTS's own patterns (CM_hb.py,
read from the heartbeat package) are found in the log, and its bad-news audit
(BadRegexes minus the kind's ignore list from CTStests.py) finds nothing."""

from __future__ import annotations

import re

import pytest

from tests.logs import ctsfacts as cts
from tests.logs.ctsrun import NODES, Step, unit_ident

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]

SEQUENCE = [
    ("StartOnebyOne", ""),
    ("Quiet", ""),
    ("standby", "node1"),
    ("Flip", "node2"),
    ("standby", "node1"),
    ("Flip", "node1"),
    ("StandbyTransient", "node1"),
    ("Flip", "node2"),
    ("DetectionTime", "node2"),
    ("Stonith", "node1"),
    ("Hang", "node1"),
    ("Split_brain", "node1"),
    ("SimulStopLite", ""),
]
IDS = [f"{i:02d}-{k}-{n or 'all'}" for i, (k, n) in enumerate(SEQUENCE)]


def _of(node: str, line: str) -> bool:
    """The line was logged by ``node`` (its host field)."""
    return re.match(rf"^\w{{3}} [ :0-9]{{11}} {node} ", line) is not None


def test_the_run_did_every_kind_in_order(cts_steps: list[Step]) -> None:
    assert [(s.kind, s.node) for s in cts_steps] == SEQUENCE


@pytest.mark.parametrize("index", range(len(SEQUENCE)), ids=IDS)
def test_cts_patterns_are_found(cts_steps: list[Step], index: int) -> None:
    step = cts_steps[index]
    assert step.unmatched == [], "\n".join(step.lines)


@pytest.mark.parametrize("index", range(len(SEQUENCE)), ids=IDS)
def test_cts_bad_news_audit_finds_nothing(cts_steps: list[Step], index: int) -> None:
    step = cts_steps[index]
    why = f"ignores of {step.audit}: {cts.ignores(step.audit)}; the step's log:\n"
    assert step.bad_news == [], why + "\n".join(step.lines)


def test_standby_answers_each_case_with_heartbeats_line(cts_steps: list[Step]) -> None:
    with_peer, alone = (s for s in cts_steps if s.kind == "standby")
    assert with_peer.facts["peer_up"] and not alone.facts["peer_up"]
    ok, none = cts.pattern("StandbyOK"), cts.pattern("StandbyNONE")
    assert any(re.search(ok, line) for line in with_peer.lines)
    assert any(re.search(none, line) for line in alone.lines)
    assert not any(re.search(ok, line) for line in alone.lines)


def test_standby_during_the_start_is_transient_then_answered(cts_steps: list[Step]) -> None:
    """CTS retries while it sees StandbyTRANSIENT; the node is in its initial
    acquisition (initdead) at the first request."""
    step = next(s for s in cts_steps if s.kind == "StandbyTransient")
    retries = step.facts["retries"]
    assert isinstance(retries, int) and 1 <= retries < 10
    flux = [line for line in step.lines if re.search(cts.pattern("StandbyTRANSIENT"), line)]
    assert all(" WARN: standby message [me] from node1 ignored." in line for line in flux)


def test_an_ordinary_start_logs_no_partition(cts_steps: list[Step]) -> None:
    """Starting one node after the other (the first declared the second dead at initdead)
    is not a partition: Heartbeat logs no 'returning after partition' then, nor do we."""
    starts = [s for s in cts_steps if s.kind in ("StartOnebyOne", "Flip", "StandbyTransient")]
    lines = [line for s in starts for line in s.lines]
    assert not [line for line in lines if "returning after partition" in line]
    assert not [line for line in lines if re.search(r" (ERROR|CRIT): ", line)]


def test_split_brain_is_logged_once_per_node_and_resolved_without_a_restart(
    cts_steps: list[Step],
) -> None:
    step = next(s for s in cts_steps if s.kind == "Split_brain")
    for node in NODES:
        verdicts = [line for line in step.lines if _of(node, line) and "Split brain on" in line]
        assert len(verdicts) == 1 and " WARN: " in verdicts[0], verdicts
        both = [line for line in step.lines if _of(node, line) and "Both machines own" in line]
        assert len(both) == 1 and " ERROR: " in both[0], both
    # CTS then waits for both nodes to restart (Heartbeat does); ha_agents keeps serving
    assert step.facts["restarted"] == []
    assert not [line for line in step.lines if "Heartbeat shutdown complete" in line]


def test_a_hung_node_steps_back_with_one_warning(cts_steps: list[Step]) -> None:
    step = next(s for s in cts_steps if s.kind == "Hang")
    frozen = [line for line in step.lines if "was frozen for" in line]
    assert len(frozen) == 1 and _of("node1", frozen[0]) and " WARN: " in frozen[0], frozen
    # the peer, and the resumed node whose view was stale, each say it once, as Heartbeat
    crit = [line for line in step.lines if " CRIT: " in line]
    assert any(_of("node2", line) for line in crit), crit
    assert len(crit) <= 2 and all("returning after partition" in line for line in crit), crit


def test_every_daemon_line_carries_the_units_ident(cts_steps: list[Step]) -> None:
    ident = unit_ident()
    assert ident == "heartbeat"
    head = re.compile(
        rf"^\w{{3}} [ :0-9]{{11}} node[12] {ident}: \[\d+\]: (info|WARN|ERROR|CRIT): "
    )
    lines = [line for s in cts_steps for line in s.lines]
    script = re.compile(r"^\d{4}/\d\d/\d\d_\d\d:\d\d:\d\d\s+\S+\[\d+\]:")  # agents' own lines
    assert (
        lines and [line for line in lines if not head.match(line) and not script.match(line)] == []
    )
