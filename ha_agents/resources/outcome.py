"""Values shared by the three calling conventions: operations, status verdicts, outcomes.

Pure: no I/O.  Every class module (heartbeat, lsb, ocf) turns a script's exit code and
output into an :class:`OpOutcome`; group semantics and the CLI only look at these values.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class Operation(enum.Enum):
    """The operations ha_agents asks of a resource (Heartbeat v1 uses the first three)."""

    START = "start"
    STOP = "stop"
    STATUS = "status"
    META_DATA = "meta-data"
    VALIDATE_ALL = "validate-all"


class Status(enum.Enum):
    """What a status/monitor call says about a resource."""

    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"  # the script could not tell (error, unknown code, timeout)


@dataclass(frozen=True, slots=True)
class OpOutcome:
    """The meaning of one script run.

    ``ok`` is True when the operation did what was asked (for status: the script answered
    RUNNING or STOPPED); ``status`` is set for status calls; ``reason`` says why, in words a
    log reader understands (``"exit 7 (OCF_NOT_RUNNING)"``).
    """

    ok: bool
    reason: str
    status: Status | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a script run ended.  ``rc`` is 126/127 when it could not be executed at all
    (``error`` then says why), -N when it died of signal N."""

    rc: int
    stdout: str
    stderr: str
    timed_out: bool = False
    duration: float = 0.0
    error: str | None = None


class ScriptRunner(Protocol):
    async def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        timeout: float,
        cwd: str | None = None,
    ) -> RunResult: ...


@runtime_checkable
class AddsAddresses(Protocol):
    """A runner that puts addresses on interfaces itself (the in-process stock IPaddr):
    what it added last, as (address, monotonic time), for the status document."""

    last_added: tuple[str, float] | None
