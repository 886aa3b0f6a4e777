"""LSB init scripts (``/etc/init.d/NAME``): exit-code meaning (LSB core, Init Script Actions).

start/stop: 0 success (also for start when running and stop when stopped), 1..7 errors.
status: 0 running; 1 dead but pid file exists; 2 dead but lock file exists; 3 not running;
4 unknown.  Heartbeat v1 ignores the status code and greps the text; ha_agents uses the
codes, which is what LSB promises (a status that prints nothing still works).
"""

from __future__ import annotations

from collections.abc import Sequence

from ha_agents.resources.heartbeat import split_args
from ha_agents.resources.outcome import Operation, OpOutcome, Status

ACTION_CODES = {
    0: "success",
    1: "generic or unspecified error",
    2: "invalid or excess arguments",
    3: "unimplemented feature",
    4: "user had insufficient privilege",
    5: "program is not installed",
    6: "program is not configured",
    7: "program is not running",
}

STATUS_CODES = {
    0: "program is running or service is OK",
    1: "program is dead and /var/run pid file exists",
    2: "program is dead and /var/lock lock file exists",
    3: "program is not running",
    4: "program or service status is unknown",
}


def argv(script: str, args: Sequence[str], op: Operation) -> tuple[str, ...]:
    """Arguments as ResourceManager passes them (re-split on blanks, empty ones dropped)."""
    return (script, *split_args(args), op.value)


def interpret(op: Operation, rc: int) -> OpOutcome:
    if op is Operation.STATUS:
        meaning = STATUS_CODES.get(rc, "not an LSB status code")
        if rc == 0:
            return OpOutcome(True, f"exit 0 ({meaning})", Status.RUNNING)
        if rc in (1, 2, 3):
            return OpOutcome(True, f"exit {rc} ({meaning})", Status.STOPPED)
        return OpOutcome(False, f"exit {rc} ({meaning})", Status.FAILED)
    meaning = ACTION_CODES.get(rc, "not an LSB exit code")
    return OpOutcome(rc == 0, f"exit {rc} ({meaning})")
