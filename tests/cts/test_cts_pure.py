"""The CTS harness's pure parts: seeded plans, the outage arithmetic, the table of
explained log lines, applicability and the report."""

from __future__ import annotations

import pytest

from tests.cts import logrules, report
from tests.cts.kinds import KINDS
from tests.cts.plan import FAIL, NOT_RUN, PASS, StepRecord, plan, unserved
from tests.lab.outage import Sample

HB_LINE = "Dec 04 14:40:07 node1 heartbeat: [31055]: "
AG_LINE = "Dec 04 14:45:08 node2 ha_agents: [20139]: "


def _sample(seq: int, start: float, ok: bool) -> Sample:
    return Sample(seq, start, start + 0.01, 0.0, ok, 200 if ok else None, "n1" if ok else "", "")


def test_plan_same_seed_same_sequence_for_every_system() -> None:
    kinds = list(KINDS)
    assert plan(7, 50, kinds) == plan(7, 50, kinds)
    assert plan(7, 50, kinds) != plan(8, 50, kinds)
    steps = plan(7, 50, kinds)
    assert [s.index for s in steps] == list(range(1, 51))
    assert {s.node for s in steps} == {"node1", "node2"}


def test_plan_covers_every_kind_over_a_long_run() -> None:
    assert {s.kind for s in plan(1, 300, list(KINDS))} == set(KINDS)


def test_plan_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        plan(1, 5, [])


def test_unserved_sums_failure_windows_from_the_last_answer() -> None:
    samples = [
        _sample(0, 10.0, True),
        _sample(1, 10.1, False),
        _sample(2, 10.2, False),
        _sample(3, 10.5, True),
        _sample(4, 10.6, False),
    ]
    # 10.01 (last answer) -> 10.51 (next answer); then 10.51 -> 11.0 if still serving
    assert unserved(samples, 10.0, 11.0, serving_at_end=False) == pytest.approx(0.5)
    assert unserved(samples, 10.0, 11.0, serving_at_end=True) == pytest.approx(0.5 + 0.49)
    assert unserved(samples[:1], 10.0, 11.0, serving_at_end=True) == 0.0


def test_unserved_counts_from_the_first_request_when_none_answered_before() -> None:
    samples = [_sample(0, 5.0, False), _sample(1, 5.5, True)]
    assert unserved(samples, 5.0, 6.0, serving_at_end=True) == pytest.approx(0.51)


def test_logrules_ordinary_start_does_not_explain_returning_after_partition() -> None:
    line = AG_LINE + "CRIT: Cluster node node1 returning after partition."
    assert logrules.bad_lines("info: fine\n" + line + "\n") == [line]
    for kind in ("Flip", "StartOnebyOne", "Restart", "SimulStart"):
        assert logrules.unexplained("ha_agents", kind, [line]) == [line]
        assert logrules.unexplained("heartbeat", kind, [line]) == [line]
    assert logrules.unexplained("ha_agents", "SplitBrain", [line]) == []
    assert logrules.unexplained("heartbeat", "SplitBrain", [line]) == []


def test_logrules_heartbeat_memlock_error_is_explained_for_any_step() -> None:
    line = HB_LINE + "ERROR: Cannot lock ourselves into memory:  System limits on locked-in"
    assert logrules.unexplained("heartbeat", "Flip", [line]) == []
    assert logrules.unexplained("ha_agents", "Flip", [line]) == [line]


def test_logrules_warn_and_info_lines_are_not_bad() -> None:
    text = AG_LINE + "WARN: node node1: is dead\n" + AG_LINE + "info: Link node1:eth0 dead.\n"
    assert logrules.bad_lines(text) == []


def test_every_row_of_the_table_says_why() -> None:
    for kinds in logrules.EXPLAINED.values():
        for rows in kinds.values():
            assert all(r.why and r.pattern for r in rows)


def test_resource_recover_not_run_without_monitoring_and_says_why() -> None:
    why = KINDS["ResourceRecover"].not_applicable("heartbeat")  # Heartbeat v1 never checks
    assert why is not None and "monitoring" in why and "issue 17" in why
    assert KINDS["ResourceRecover"].not_applicable("ha_agents") is None  # failover.cf monitor
    assert KINDS["Flip"].not_applicable("heartbeat") is None


def test_report_totals_per_kind_and_system() -> None:
    recs = [
        StepRecord("ha_agents", 1, 1, "Flip", "node1", PASS, outage_s=1.0, settle_s=2.0),
        StepRecord("ha_agents", 1, 2, "Flip", "node2", FAIL, ["owners: two"], 3.0, 4.0),
        StepRecord("heartbeat", 1, 1, "Flip", "node1", PASS, outage_s=5.0, settle_s=1.0),
        StepRecord("heartbeat", 1, 2, "ResourceRecover", "node2", NOT_RUN, notes=["no mon"]),
    ]
    text = report.table(recs, ["ha_agents", "heartbeat"])
    flip = next(line for line in text.splitlines() if line.startswith("Flip"))
    cells = [c.strip() for c in flip.split("|")]
    assert cells == ["Flip", "1/1", "2.00", "3.00", "1/0", "5.00", "1.00"]
    assert "0/0 (1 not run)" in text
    assert "ha_agents seed 1 step 2 Flip(node2):\n    owners: two" in report.failures(recs)
    assert report.not_run(recs) == "not run: ResourceRecover on heartbeat: no mon"


def test_report_detection_median_from_the_step_notes() -> None:
    recs = [
        StepRecord("ha_agents", 1, i, "Fastdetection", "node1", notes=[f"detection {t} s"])
        for i, t in enumerate((2.0, 1.0, 4.0))
    ]
    text = report.detection(recs, ["ha_agents", "heartbeat"])
    assert text.endswith("ha_agents 2.00 s (n=3), heartbeat - (n=0)")
