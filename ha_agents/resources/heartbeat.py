"""Heartbeat-class resource scripts (``/etc/ha.d/resource.d/NAME``): argv and meaning.

Facts (docs/heartbeat/resources.md §2, §3):

* ``NAME::a::b`` is called as ``NAME a b OPERATION``: arguments first, operation last.
  ResourceManager passes the arguments through an unquoted shell variable, so an argument
  containing blanks is split again and an empty one disappears; :func:`split_args` does the
  same (without a shell) so scripts see exactly what they saw under Heartbeat.
* ``start``/``stop`` succeed on exit 0.
* ``status``: the exit code is ignored; the verdict comes from stdout (shell ``case``):
  ``*[Nn][Oo][Tt]\\ *[Rr]unning*`` → stopped, else ``*[Rr]unning*`` or ``*OK*`` → running,
  else stopped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ha_agents.resources.outcome import Operation, OpOutcome, Status

# The shell pattern "*[Nn][Oo][Tt]\ *[Rr]unning*": "not", then one blank, then any text.
_NOT_RUNNING = re.compile(r"[Nn][Oo][Tt] .*[Rr]unning", re.DOTALL)
_RUNNING = re.compile(r"[Rr]unning|OK")


def status_verdict(stdout: str) -> Status:
    """Heartbeat's reading of a status call's stdout (never FAILED: it only greps)."""
    if _NOT_RUNNING.search(stdout):
        return Status.STOPPED
    if _RUNNING.search(stdout):
        return Status.RUNNING
    return Status.STOPPED


def split_args(args: Sequence[str]) -> tuple[str, ...]:
    """Re-split each ``::`` argument on blanks and drop empty ones, as ResourceManager does."""
    out: list[str] = []
    for arg in args:
        out.extend(arg.split())
    return tuple(out)


def argv(script: str, args: Sequence[str], op: Operation) -> tuple[str, ...]:
    return (script, *split_args(args), op.value)


def interpret(op: Operation, rc: int, stdout: str) -> OpOutcome:
    if op is Operation.STATUS:
        verdict = status_verdict(stdout)
        first = stdout.strip().splitlines()[0][:80] if stdout.strip() else ""
        return OpOutcome(True, f"status output {first!r} means {verdict.value}", verdict)
    if rc == 0:
        return OpOutcome(True, "exit 0")
    return OpOutcome(False, f"exit {rc}")
