"""EDGE: realtime scheduling and locked memory for the daemon, as Heartbeat does it.

Heartbeat 3.0.6 runs ``realtime on`` by default: SCHED_FIFO at ``rtprio`` (default the
middle of the SCHED_FIFO range) and ``mlockall``, so a busy or swapping machine cannot
starve its heartbeats.  ha_agents does the same when it may (root, CAP_SYS_NICE /
CAP_IPC_LOCK), honouring ha.cf ``realtime`` and ``rtprio``, with two differences:

* SCHED_RESET_ON_FORK: threads and the resource scripts we start run at normal priority
  (Heartbeat resets its children by hand); a runaway script cannot lock up a core;
* ``MCL_ONFAULT``: pages are locked as they are used, instead of faulting in every
  mapped page at once (that would make the daemon's resident memory its whole address
  space); without it (kernel < 4.4) nothing is locked.

When the system refuses (not root), the daemon logs it and runs at normal priority,
as Heartbeat does.  :func:`current` describes what is in force (the status document).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ha_agents.config.model import HaCf
from ha_agents.daemon.logsetup import HbLog
from ha_agents.notice import Level

MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


@dataclass(frozen=True, slots=True)
class Outcome:
    policy: str  # "fifo" or "other"
    priority: int
    locked: bool
    notes: tuple[str, ...]  # what could not be done, for the log


def default_priority() -> int:
    low, high = os.sched_get_priority_min(os.SCHED_FIFO), os.sched_get_priority_max(os.SCHED_FIFO)
    return (low + high) // 2


def _mlockall() -> str | None:
    import ctypes  # only when realtime is on

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0:
        return None
    return os.strerror(ctypes.get_errno())


def apply(hacf: HaCf) -> Outcome:
    """Make this process realtime as ha.cf asks; never raises."""
    if not hacf.realtime:
        return Outcome("other", 0, False, ())
    notes: list[str] = []
    prio = hacf.rtprio or default_priority()
    policy = "other"
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(prio))
        policy = "fifo"
    except OSError as exc:
        notes.append(f"cannot set realtime priority {prio}: {exc.strerror}")
    problem = _mlockall()
    if problem is not None:
        notes.append(f"cannot lock ourselves into memory: {problem}")
    return Outcome(policy, prio if policy == "fifo" else 0, problem is None, tuple(notes))


def start(hacf: HaCf, log: HbLog) -> Outcome:
    """:func:`apply`, saying in the log what is in force and what could not be done."""
    done = apply(hacf)
    for note in done.notes:
        log.log(Level.WARN, f"{note}; running without it")
    if done.policy == "fifo":
        locked = "yes" if done.locked else "no"
        log.info(f"Realtime priority {done.priority} (SCHED_FIFO), memory locked: {locked}")
    return done


def current() -> dict[str, object]:
    """What is in force for this process (the status document's ``realtime``)."""
    policy = os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK
    locked_kb = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmLck:"):
                    locked_kb = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return {
        "policy": "fifo" if policy == os.SCHED_FIFO else "other",
        "priority": os.sched_getparam(0).sched_priority,
        "locked_vm_kb": locked_kb,  # size of the locked mappings (MCL_ONFAULT: not resident)
    }
