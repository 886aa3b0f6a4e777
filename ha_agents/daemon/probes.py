"""EDGE: resource monitoring's script runs (failover/monitor.py decides, this runs).

``probe``: one status/monitor call of a monitored resource through the group runner, so it
is read exactly as everywhere else (resources/: heartbeat-class ``status`` text as
Heartbeat reads it, LSB status codes, OCF monitor codes), killed with its whole process
tree at the monitor's timeout (a timeout counts as FAILED); ``OCF_CHECK_LEVEL`` is set
when the ``monitor`` line gives ``depth``.  ``restart``: stop resources ``index``.. of the
group right to left, then start them left to right (Heartbeat's group semantics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ha_agents.failover import events as ev
from ha_agents.failover.actions import Probe, RestartResources
from ha_agents.resources.agents import Agent
from ha_agents.resources.group import GroupRunner
from ha_agents.resources.outcome import Operation, Status

VERDICTS = {
    Status.RUNNING: ev.Verdict.RUNNING,
    Status.STOPPED: ev.Verdict.STOPPED,
    Status.FAILED: ev.Verdict.FAILED,
}


async def probe(
    runner: GroupRunner, agent: Agent, item: Probe, clock: Callable[[], float]
) -> ev.ProbeDone:
    if item.depth is not None:
        runner.env["OCF_CHECK_LEVEL"] = str(item.depth)
    step = await runner.run_op(agent, Operation.STATUS)
    verdict = VERDICTS[step.outcome.status or Status.FAILED]
    return ev.ProbeDone(
        item.key,
        item.index,
        item.probe,
        verdict,
        clock(),
        step.outcome.reason,
        round(step.result.duration, 3),
    )


async def restart(
    runner: GroupRunner,
    agents: Sequence[Agent],
    item: RestartResources,
    clock: Callable[[], float],
) -> ev.RestartDone:
    tail = list(agents[item.index :])
    stopped = await runner.release(tail)
    if not stopped.ok:
        return ev.RestartDone(item.key, item.index, False, clock(), stopped.reason)
    started = await runner.acquire(tail)
    return ev.RestartDone(item.key, item.index, started.ok, clock(), started.reason)
