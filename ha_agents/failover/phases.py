"""The resource manager's phase, and the one table of how it may change.

``advance(phase, step)`` gives the next phase for a step, or raises
``IllegalTransition`` (the phase stays as it was): a step the table does not list for the
current phase is a bug in the manager, not something to paper over.
"""

from __future__ import annotations

import enum


class Phase(enum.Enum):
    INIT = "init"  # waiting for the cluster view (peer heard, or initdead over)
    STARTING = "starting"  # sent 'starting', waiting for the peer's resource announcement
    STABLE = "stable"
    SHUTDOWN = "shutdown"  # giving everything up
    STOPPED = "stopped"  # shutdown complete


class Step(enum.Enum):
    ALONE = "alone"  # comm up with no peer configured, or no peer heard within initdead
    JOIN = "join"  # a peer is up: send 'starting' and wait for its announcement
    LEGACY_JOIN = "legacy join"  # auto_failback legacy: ask for our groups with ip-request
    PEER_RESOURCES = "peer resources"  # the peer said what it holds
    PEER_STARTING = "peer starting"  # the peer is starting too: each takes its own
    PEER_LEFT = "peer left"  # the peer died or shut down
    START_TIMEOUT = "start timeout"  # no announcement within deadtime
    FROZEN = "frozen"  # this process was stopped longer than deadtime: start over
    SHUTDOWN = "shutdown"
    RELEASED = "released"  # every group released after a shutdown


class IllegalTransition(Exception):
    def __init__(self, phase: Phase, step: Step) -> None:
        super().__init__(f"no transition for step {step.value!r} in phase {phase.value!r}")
        self.phase = phase
        self.step = step


_P, _S = Phase, Step
TRANSITIONS: dict[tuple[Phase, Step], Phase] = {
    (_P.INIT, _S.ALONE): _P.STABLE,
    (_P.INIT, _S.JOIN): _P.STARTING,
    (_P.STABLE, _S.JOIN): _P.STARTING,  # rejoining after a freeze
    (_P.INIT, _S.LEGACY_JOIN): _P.STABLE,
    (_P.STABLE, _S.LEGACY_JOIN): _P.STABLE,
    (_P.STARTING, _S.PEER_RESOURCES): _P.STABLE,
    (_P.STARTING, _S.PEER_STARTING): _P.STABLE,
    (_P.STARTING, _S.PEER_LEFT): _P.STABLE,
    (_P.STABLE, _S.PEER_LEFT): _P.STABLE,
    (_P.STARTING, _S.START_TIMEOUT): _P.STABLE,
    (_P.STARTING, _S.FROZEN): _P.STABLE,
    (_P.STABLE, _S.FROZEN): _P.STABLE,
    (_P.INIT, _S.SHUTDOWN): _P.SHUTDOWN,
    (_P.STARTING, _S.SHUTDOWN): _P.SHUTDOWN,
    (_P.STABLE, _S.SHUTDOWN): _P.SHUTDOWN,
    (_P.SHUTDOWN, _S.RELEASED): _P.STOPPED,
}


def advance(phase: Phase, step: Step) -> Phase:
    try:
        return TRANSITIONS[(phase, step)]
    except KeyError:
        raise IllegalTransition(phase, step) from None
