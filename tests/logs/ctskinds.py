"""The CTS test kinds in one sequence on one cluster (tests/logs/ctsrun.py), each step as
CTStests.py does it; the suite runs it once and audits the recorded steps.

Which steps are routine (a day of an operator's cluster: start, joins, standby and the
hand-back, a clean shutdown with its takeover) and which are trouble (a node killed,
powered off, hung, a partition) is recorded for the logcheck audit.
"""

from __future__ import annotations

import signal
import time

from tests.lab.waiting import wait_until
from tests.logs import ctsfacts as cts
from tests.logs.ctsrun import DEADTIME_S, CtsRun, Step

ROUTINE = ("StartOnebyOne", "Quiet", "standby", "Flip", "StandbyTransient", "SimulStopLite")
TROUBLE = ("DetectionTime", "Stonith", "Hang", "Split_brain")


def start_one_by_one(run: CtsRun) -> Step:
    s = run.step("StartOnebyOne", "", "StartOnebyOne")
    for name in run.nodes:
        run.start(s, name)
    run.settle()
    return run.close(s)


def quiet(run: CtsRun, seconds: float) -> Step:
    """A stable cluster for a while: Heartbeat logs nothing periodic but its daily memory
    statistics (which the logcheck rules ignore); ha_agents must log nothing at all."""
    s = run.step("Quiet", "", "StartOnebyOne")
    time.sleep(seconds)
    s.facts["seconds"] = seconds
    return run.close(s)


def standby(run: CtsRun, name: str) -> Step:
    s = run.step("standby", name, "StandbyTest")
    s.facts["peer_up"] = len(run.up()) == 2
    run.standby(s, name)
    run.settle()
    return run.close(s)


def flip(run: CtsRun, name: str) -> Step:
    s = run.step("Flip", name, "FlipTest")
    if run.nodes[name].running():
        run.stop(s, name)
    else:
        run.start(s, name)
    run.settle()
    return run.close(s)


def standby_transient(run: CtsRun, name: str) -> Step:
    """hb_standby while the node is still starting (its initial acquisition waits for
    initdead): ``StandbyTRANSIENT`` first, CTS retries until ``StandbyNONE`` (alone)."""
    s = run.step("StandbyTransient", name, "StandbyTest")
    mark = run.watch.mark()
    node = run.nodes[name]
    node.start()
    assert wait_until(node.ready, 10), f"{name}: does not answer commands"
    run.standby(s, name)
    s.unmatched += run.watch.look_for_all([cts.pattern("We_started") % name], 30, mark)
    run.settle()
    return run.close(s)


def detection_time(run: CtsRun, name: str) -> Step:
    """Fastdetection: standby (the node holds nothing), kill -9, ``They_stopped % ("",
    node)`` timed, then StartTest."""
    s = run.step("DetectionTime", name, "Fastdetection")
    run.standby(s, name)
    run.settle()
    mark = run.watch.mark()
    t0 = time.monotonic()
    run.nodes[name].kill(signal.SIGKILL)
    missed = run.watch.look_for_all([cts.pattern("They_stopped") % ("", name)], 60, mark)
    s.facts["detection_s"] = time.monotonic() - t0
    s.unmatched += missed
    run.start(s, name)
    run.settle()
    return run.close(s)


def stonith(run: CtsRun, name: str) -> Step:
    """StonithTest as a power loss: cable cut and SIGKILL; every peer up must log
    ``They_stopped``; the node comes back (``They_started``)."""
    s = run.step("Stonith", name, "StonithTest")
    pats = [cts.pattern("They_stopped") % (o, name) for o in run.up() if o != name]
    mark = run.watch.mark()
    host = run.hosts[name]
    host.link_down()
    run.nodes[name].kill(signal.SIGKILL)
    s.unmatched += run.watch.look_for_all(pats, DEADTIME_S + 10, mark)
    host.link_up()
    run.start(s, name)
    run.settle()
    return run.close(s)


def hang(run: CtsRun, name: str) -> Step:
    """SIGSTOP for three deadtimes, SIGCONT: the peer says it died and came back."""
    s = run.step("Hang", name, "Split_brainTest")
    other = run.other(name)
    mark = run.watch.mark()
    run.nodes[name].kill(signal.SIGSTOP)
    s.unmatched += run.watch.look_for_all([cts.pattern("They_stopped") % (other, name)], 15, mark)
    time.sleep(2 * DEADTIME_S)
    run.nodes[name].kill(signal.SIGCONT)
    s.unmatched += run.watch.look_for_all([cts.pattern("Return_partition") % name], 15, mark)
    run.settle()
    return run.close(s)


def split_brain(run: CtsRun, name: str) -> Step:
    """Split_brainTest: isolate the node, both sides declare the other dead; unisolate,
    ``Return_partition`` for each member.  CTS then waits for both to log
    ``We_started`` (Heartbeat restarts itself after a partition); ha_agents resolves the
    split brain without a restart, so that is recorded, not required."""
    s = run.step("Split_brain", name, "Split_brainTest")
    other, lab = run.other(name), run.lab
    pats = [cts.pattern("They_stopped") % (a, b) for a, b in ((name, other), (other, name))]
    mark = run.watch.mark()
    lab.partition([run.hosts[name]], [run.hosts[other]])
    s.unmatched += run.watch.look_for_all(pats, DEADTIME_S + 15, mark)
    heal = run.watch.mark()
    lab.heal()
    back = [cts.pattern("Return_partition") % m for m in run.nodes]
    s.unmatched += run.watch.look_for_all(back, DEADTIME_S + 15, heal)
    run.settle()
    started = [cts.pattern("We_started") % m for m in run.nodes]
    s.facts["restarted"] = [p for p in started if p not in run.watch.look_for_all([p], 0.0, heal)]
    return run.close(s)


def stop_all(run: CtsRun) -> Step:
    """SimulStopLite: every node stopped, each logging ``All_stopped``."""
    s = run.step("SimulStopLite", "", "SimulStopLite")
    pats = [cts.pattern("All_stopped") % n for n in run.up()]
    mark = run.watch.mark()
    for name in run.up():
        run.nodes[name].stop()
    s.unmatched += run.watch.look_for_all(pats, DEADTIME_S + 10, mark)
    return run.close(s)


def run_all(run: CtsRun) -> list[Step]:
    start_one_by_one(run)
    quiet(run, 5.0)
    standby(run, "node1")  # peer up: node2 takes everything
    flip(run, "node2")  # node2 stops: node1 takes over
    standby(run, "node1")  # no peer: no reply
    flip(run, "node1")  # everything down
    standby_transient(run, "node1")
    flip(run, "node2")  # node2 joins
    detection_time(run, "node2")
    stonith(run, "node1")
    hang(run, "node1")
    split_brain(run, "node1")
    stop_all(run)
    return run.steps
