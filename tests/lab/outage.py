"""Client-visible outages from an HTTP poller's samples (pure: no I/O, no clock).

A sample is one request: when it started and ended (monotonic seconds, comparable
with the test process's ``time.monotonic()``), whether it succeeded, and which backend
answered (the response body).  From a list of samples this computes the outage after
a fault — last success before it, first success after it — and every failure window.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    seq: int
    start: float  # monotonic, request sent
    end: float  # monotonic, answer (or error) received
    wall: float  # wall clock at start (for humans)
    ok: bool
    status: int | None
    backend: str  # body of a successful answer, stripped; "" otherwise
    error: str  # "" when ok


@dataclass(frozen=True, slots=True)
class Outage:
    """What the client saw around one fault at monotonic time ``fault``."""

    fault: float
    last_ok_before: Sample | None
    first_ok_after: Sample | None
    failed: int  # failed requests between the two

    @property
    def recovery(self) -> float | None:
        """Seconds from the fault to the end of the first successful answer after it."""
        if self.first_ok_after is None:
            return None
        return self.first_ok_after.end - self.fault

    @property
    def window(self) -> float | None:
        """Seconds from the last success before the fault to the first one after it."""
        if self.first_ok_after is None or self.last_ok_before is None:
            return None
        return self.first_ok_after.end - self.last_ok_before.end


@dataclass(frozen=True, slots=True)
class Window:
    """A run of consecutive failures, bounded by successes where they exist."""

    last_ok: Sample | None
    first_ok: Sample | None
    failed: int

    @property
    def duration(self) -> float | None:
        if self.last_ok is None or self.first_ok is None:
            return None
        return self.first_ok.end - self.last_ok.end


def parse_lines(lines: Iterable[str]) -> list[Sample]:
    """Samples from the poller's JSON lines; a torn or malformed line is skipped."""
    out: list[Sample] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line)
            status = d.get("status")
            out.append(
                Sample(
                    seq=int(d["seq"]),
                    start=float(d["start"]),
                    end=float(d["end"]),
                    wall=float(d["wall"]),
                    ok=bool(d["ok"]),
                    status=int(status) if status is not None else None,
                    backend=str(d.get("backend", "")),
                    error=str(d.get("error", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return out


def outage_after(samples: Sequence[Sample], fault: float) -> Outage:
    """The outage a client saw after a fault at monotonic time ``fault``.

    Requests are attributed by their start time: one sent before the fault counts as
    "before" even if its answer came later.
    """
    before = [s for s in samples if s.start <= fault]
    after = [s for s in samples if s.start > fault]
    last_ok = next((s for s in reversed(before) if s.ok), None)
    first_ok = next((s for s in after if s.ok), None)
    lo = last_ok.seq if last_ok else -1
    hi = first_ok.seq if first_ok else (samples[-1].seq + 1 if samples else 0)
    failed = sum(1 for s in samples if lo < s.seq < hi and not s.ok)
    return Outage(fault, last_ok, first_ok, failed)


def first_from(samples: Sequence[Sample], after: float, backend: str) -> Sample | None:
    """The first successful answer from ``backend`` to a request sent after ``after``."""
    return next((s for s in samples if s.ok and s.start > after and s.backend == backend), None)


def failure_windows(samples: Sequence[Sample]) -> list[Window]:
    """Every run of consecutive failed requests."""
    windows: list[Window] = []
    last_ok: Sample | None = None
    failed = 0
    for s in samples:
        if s.ok:
            if failed:
                windows.append(Window(last_ok, s, failed))
                failed = 0
            last_ok = s
        else:
            failed += 1
    if failed:
        windows.append(Window(last_ok, None, failed))
    return windows


def backend_switches(samples: Sequence[Sample]) -> list[tuple[float, str, str]]:
    """(time, from, to) each time successful answers change backend: flapping shows here."""
    switches: list[tuple[float, str, str]] = []
    current: str | None = None
    for s in samples:
        if not s.ok:
            continue
        if current is not None and s.backend != current:
            switches.append((s.end, current, s.backend))
        current = s.backend
    return switches
