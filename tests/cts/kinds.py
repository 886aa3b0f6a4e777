"""The test kinds, after Heartbeat's CTS (cts/CTStests.py of heartbeat 2.1.3/3.0.6).

Each kind is one step of a run: ``run(cluster, node)`` does what the CTS test of that
name does on a two-node cluster and waits, to a deadline, for what that test waits for
(the node's "Initial resource acquisition complete" after a start, the daemon's exit
after a stop, the peer's death verdict after a fault).  A broken expectation raises
``StepFailed``.  The driver then waits for the cluster to settle and runs the audits.

CTS facts kept: Flip stops a running node / starts a stopped one; Restart starts the
node if needed, then stops and starts it; StartOnebyOne stops all, then starts each in
turn; SimulStart stops all, then starts all at once; SimulStop starts all, then stops all
at once; StopOnebyOne starts all, then stops each; RestartOnebyOne starts all, then
restarts each; Standby (hb_standby) wants "Standby resource acquisition done" with a
peer and "No reply to standby request" without one; Fastdetection (DetectionTime)
kills the node's cluster manager with SIGKILL and times the peer's "node X: is dead";
Split_brain isolates a node, waits for each side's "is dead", heals and expects both
to log "returning after partition"; ResourceRecover fails a resource and expects it
running again on exactly one node (CRM only in Heartbeat).
Added here: Fastdetection is a power loss (the cable is cut too, the machine reboots);
Hang stops every process of a node (SIGSTOP) until the peer declares it dead, then
resumes it (SIGCONT).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.cts.cluster import CtsCluster, StepFailed
from tests.cts.nodes import MONITORING, kill_web

Run = Callable[[CtsCluster, str], None]


def _settle(c: CtsCluster, what: str) -> None:
    at, why = c.wait_settled(c.settle_timeout)
    if at is None:
        raise StepFailed(f"not settled after {what}: {why}")


def _fresh(c: CtsCluster) -> None:
    """Both nodes up and settled (CTS's SimulStartLite before a test that needs it)."""
    c.start_all()
    _settle(c, "starting all")


def flip(c: CtsCluster, n: str) -> None:
    if c.up[n]:
        c.stop([n])
    else:
        c.start([n])


def restart(c: CtsCluster, n: str) -> None:
    if not c.up[n]:
        c.start([n])
        _settle(c, f"starting {n}")
    c.stop([n])
    _settle(c, f"stopping {n}")
    c.start([n])


def start_one_by_one(c: CtsCluster, n: str) -> None:
    c.stop_all()
    _settle(c, "stopping all")
    c.start([n])
    _settle(c, f"starting {n}")
    c.start([c.peer(n)])


def simul_start(c: CtsCluster, n: str) -> None:
    c.stop_all()
    _settle(c, "stopping all")
    c.start_all()


def simul_stop(c: CtsCluster, n: str) -> None:
    _fresh(c)
    c.stop_all()


def stop_one_by_one(c: CtsCluster, n: str) -> None:
    _fresh(c)
    c.stop([n])
    _settle(c, f"stopping {n}")
    c.stop([c.peer(n)])


def restart_one_by_one(c: CtsCluster, n: str) -> None:
    _fresh(c)
    for m in (n, c.peer(n)):
        c.stop([m])
        _settle(c, f"stopping {m}")
        c.start([m])
        _settle(c, f"starting {m}")


def standby(c: CtsCluster, n: str) -> None:
    """hb_standby on ``n`` with its peer up: afterwards the peer holds the group."""
    _fresh(c)
    peer = c.peer(n)
    c.last_action = time.monotonic()
    c.notes.append(f"standby: {c.nodes[n].standby() or 'no output'}")
    if not c.wait_holders(lambda h: h == [peer], 10 + 2 * c.settings.deadtime_s):
        raise StepFailed(f"after standby on {n} the VIP is on {c.holders()}, not {peer}")


def standby_no_peer(c: CtsCluster, n: str) -> None:
    """hb_standby on ``n`` alone: nobody answers, ``n`` keeps the group."""
    peer = c.peer(n)
    c.start([n])
    c.stop([peer])
    _settle(c, f"stopping {peer}")
    mark = len(c.nodes[n].log())
    c.last_action = time.monotonic()
    c.notes.append(f"standby: {c.nodes[n].standby() or 'no output'}")
    pattern = NO_REPLY[c.system]
    if not c.wait_log(n, pattern, mark, 15 + 2 * c.settings.deadtime_s):
        raise StepFailed(f"{n}: no '{pattern}' after a standby without a peer")
    if c.holders() != [n]:
        raise StepFailed(f"after standby without a peer the VIP is on {c.holders()}")


def fast_detection(c: CtsCluster, n: str) -> None:
    """Power loss of ``n``; time the peer's death verdict; the machine reboots."""
    _fresh(c)
    peer = c.peer(n)
    t0 = c.power_off(n)
    deadline = 10 + 4 * c.settings.deadtime_s
    dead = c.wait_for(lambda: c.nodes[peer].nodestatus(n) == "dead", deadline)
    if dead is None:
        raise StepFailed(f"{peer} did not declare {n} dead within {deadline:.0f} s")
    c.notes.append(f"detection {dead - t0:.3f} s")
    if not c.wait_holders(lambda h: h == [peer], deadline):
        raise StepFailed(f"{peer} did not take the VIP after {n} lost power")
    c.reboot(n)
    c.start([n])


def hang(c: CtsCluster, n: str) -> None:
    """Every process of ``n`` stopped until its peer declares it dead, then resumed."""
    _fresh(c)
    peer = c.peer(n)
    c.hang(n)
    deadline = 10 + 4 * c.settings.deadtime_s
    try:
        if c.wait_for(lambda: c.nodes[peer].nodestatus(n) == "dead", deadline) is None:
            raise StepFailed(f"{peer} did not declare the hung {n} dead in {deadline:.0f} s")
        if not c.wait_holders(lambda h: peer in h, deadline):
            raise StepFailed(f"{peer} did not take the VIP from the hung {n}")
    finally:
        c.resume(n)


def split_brain(c: CtsCluster, n: str) -> None:
    """Cut the link between the nodes until each declares the other dead; heal."""
    _fresh(c)
    peer = c.peer(n)
    c.partition()
    deadline = 10 + 4 * c.settings.deadtime_s
    try:
        both_dead = c.wait_for(
            lambda: c.nodes[n].nodestatus(peer) == "dead" and c.nodes[peer].nodestatus(n) == "dead",
            deadline,
        )
        if both_dead is None:
            raise StepFailed(f"the partitioned nodes did not declare each other dead in {deadline}")
        if not c.wait_holders(lambda h: len(h) == 2, deadline):
            c.notes.append(f"partitioned: VIP on {c.holders()} (not on both)")
    finally:
        c.heal()


def resource_recover(c: CtsCluster, n: str) -> None:
    """Kill the web server where it runs; monitoring must bring it back (one owner)."""
    _fresh(c)
    owner = (c.holders() or [n])[0]
    c.last_action = time.monotonic()
    if kill_web(c.nodes[owner]) is None:
        raise StepFailed(f"no web server running on the owner {owner}")
    deadline = 5 + 2 * c.settings.deadtime_s
    if not c.served(deadline, after=c.last_action):
        raise StepFailed(f"the client was not served again within {deadline:.0f} s")


#: What a node logs when hb_standby finds nobody to take its resources (cts/CM_hb.py
#: Pat:StandbyNONE): Heartbeat after its 10 s wait for a reply, ha_agents at once.
NO_REPLY = {
    "heartbeat": r"No reply to standby request",
    "ha_agents": r"No reply to standby request",
}


@dataclass(frozen=True)
class Kind:
    name: str
    run: Run
    needs_monitoring: bool = False

    def not_applicable(self, system: str) -> str | None:
        """Why this kind cannot run against ``system`` now (None: it can)."""
        if self.needs_monitoring and not MONITORING[system]:
            return f"{system} has no resource monitoring (issue 17)"
        return None


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("Flip", flip),
        Kind("Restart", restart),
        Kind("StartOnebyOne", start_one_by_one),
        Kind("SimulStart", simul_start),
        Kind("SimulStop", simul_stop),
        Kind("StopOnebyOne", stop_one_by_one),
        Kind("RestartOnebyOne", restart_one_by_one),
        Kind("Standby", standby),
        Kind("StandbyNoPeer", standby_no_peer),
        Kind("Fastdetection", fast_detection),
        Kind("Hang", hang),
        Kind("SplitBrain", split_brain),
        Kind("ResourceRecover", resource_recover, needs_monitoring=True),
    )
}
