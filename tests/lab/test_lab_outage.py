"""The outage arithmetic of the HTTP poller (pure; no namespaces needed)."""

from __future__ import annotations

import json

from tests.lab.outage import (
    Sample,
    backend_switches,
    failure_windows,
    outage_after,
    parse_lines,
)


def _s(seq: int, t: float, ok: bool, backend: str = "") -> Sample:
    return Sample(seq, t, t + 0.002, 1e9 + t, ok, 200 if ok else None, backend, "" if ok else "E")


SAMPLES = [
    _s(0, 10.00, True, "node1"),
    _s(1, 10.01, True, "node1"),
    _s(2, 10.02, False),
    _s(3, 10.03, False),
    _s(4, 10.04, False),
    _s(5, 10.05, True, "node2"),
    _s(6, 10.06, True, "node2"),
]


def test_outage_after_fault_spans_last_success_to_first_success() -> None:
    o = outage_after(SAMPLES, fault=10.015)
    assert o.last_ok_before == SAMPLES[1]
    assert o.first_ok_after == SAMPLES[5]
    assert o.failed == 3
    assert o.recovery is not None and abs(o.recovery - (10.052 - 10.015)) < 1e-9
    assert o.window is not None and abs(o.window - 0.04) < 1e-9


def test_outage_after_fault_without_recovery_has_no_recovery_time() -> None:
    o = outage_after(SAMPLES[:5], fault=10.015)
    assert o.first_ok_after is None and o.recovery is None and o.window is None
    assert o.failed == 3


def test_outage_request_sent_before_fault_counts_as_before() -> None:
    # the request at 10.01 was sent before a fault at 10.011; it is not "recovery"
    o = outage_after(SAMPLES, fault=10.011)
    assert o.last_ok_before == SAMPLES[1] and o.first_ok_after == SAMPLES[5]


def test_failure_windows_and_backend_switches() -> None:
    tail = [_s(7, 10.07, False), _s(8, 10.08, True, "node1"), _s(9, 10.09, False)]
    windows = failure_windows(SAMPLES + tail)
    assert [(w.last_ok, w.first_ok, w.failed) for w in windows] == [
        (SAMPLES[1], SAMPLES[5], 3),
        (SAMPLES[6], tail[1], 1),
        (tail[1], None, 1),
    ]
    assert windows[2].duration is None
    assert [(a, b) for _, a, b in backend_switches(SAMPLES + tail)] == [
        ("node1", "node2"),
        ("node2", "node1"),
    ]


def test_parse_lines_skips_torn_and_malformed_lines() -> None:
    good = {
        "seq": 0, "start": 1.0, "end": 1.1, "wall": 2.0, "ok": True,
        "status": 200, "backend": "node1", "error": "",
    }  # fmt: skip
    lines = [json.dumps(good), "", '{"seq": 1, "start": 1.', "not json", json.dumps({"seq": 2})]
    assert parse_lines(lines) == [Sample(0, 1.0, 1.1, 2.0, True, 200, "node1", "")]


def test_first_from_finds_the_first_answer_of_the_survivor() -> None:
    from tests.lab.outage import first_from

    assert first_from(SAMPLES, 10.0, "node2") == SAMPLES[5]
    assert first_from(SAMPLES, 10.055, "node2") == SAMPLES[6]
    assert first_from(SAMPLES, 10.0, "node3") is None
