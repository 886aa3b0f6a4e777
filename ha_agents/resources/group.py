"""Group semantics of Heartbeat v1 (docs/heartbeat/resources.md §3), through a ScriptRunner.

* acquire: for each resource left to right, ``status``; skip it when running, else
  ``start``.  A failed start stops what this acquire started plus the failed resource
  (right to left) and reports which resource failed.
* release: ``stop`` right to left.  A failed stop is retried every ``retry_interval``
  seconds up to ``stop_retry_max`` more times (``HA_STOPRETRYMAX``, default 10; 0 or less:
  for ever, as Heartbeat), then ``status`` decides:
  - still running → CRIT.  Heartbeat reboots the machine here.  ha_agents does that only
    when a ``reboot`` callable is given (failover.cf ``stop_failure reboot``); otherwise it
    logs loudly that a reboot would be required and leaves the resource (and the group)
    FAILED.
  - not running → "probably not LSB-compliant" warning and the release continues.

Pure apart from the injected ports (runner, sleep, reboot): no clock, no subprocess here.
Every decision is returned as a value (:class:`GroupResult`) and logged through ``log``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from ha_agents.resources.agents import Agent
from ha_agents.resources.outcome import Operation, OpOutcome, RunResult, ScriptRunner, Status


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds per operation (Heartbeat had none; a hung script blocked the group)."""

    start: float = 120.0
    stop: float = 120.0
    status: float = 60.0
    other: float = 30.0

    def for_op(self, op: Operation) -> float:
        if op is Operation.START:
            return self.start
        if op is Operation.STOP:
            return self.stop
        if op is Operation.STATUS:
            return self.status
        return self.other


class GroupState(enum.Enum):
    RUNNING = "running"
    STOPPED = "stopped"
    PARTIAL = "partial"  # status: some resources running, some not
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LogLine:
    level: str  # "debug", "info", "warning", "error", "critical"
    message: str


@dataclass(frozen=True, slots=True)
class Step:
    """One script run and what it meant."""

    resource: str
    op: Operation
    argv: tuple[str, ...]
    result: RunResult
    outcome: OpOutcome

    @property
    def ok(self) -> bool:
        return self.outcome.ok


@dataclass(frozen=True, slots=True)
class GroupResult:
    ok: bool
    state: GroupState
    reason: str
    steps: tuple[Step, ...]
    log: tuple[LogLine, ...]
    failed: str | None = None
    reboot_required: bool = False


def _interpret(agent: Agent, op: Operation, result: RunResult) -> OpOutcome:
    if result.timed_out:
        status = Status.FAILED if op is Operation.STATUS else None
        return OpOutcome(
            False, f"timed out after {result.duration:.1f}s (process tree killed)", status
        )
    if result.error is not None:
        status = Status.FAILED if op is Operation.STATUS else None
        return OpOutcome(False, result.error, status)
    return agent.interpret(op, result.rc, result.stdout)


class GroupRunner:
    def __init__(
        self,
        runner: ScriptRunner,
        env: Mapping[str, str],
        *,
        sleep: Callable[[float], Awaitable[None]],
        timeouts: Timeouts | None = None,
        stop_retry_max: int = 10,
        retry_interval: float = 1.0,
        reboot: Callable[[], Awaitable[None]] | None = None,
        log: Callable[[LogLine], None] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.runner = runner
        self.env = dict(env)
        self.sleep = sleep
        self.timeouts = timeouts or Timeouts()
        self.stop_retry_max = stop_retry_max
        self.retry_interval = retry_interval
        self.reboot = reboot
        self._log_cb = log
        self.cwd = cwd

    # Each call gets its own record of steps and log lines, so one GroupRunner can run
    # several groups at once (the daemon acquires groups concurrently).
    async def run_op(self, agent: Agent, op: Operation) -> Step:
        return await _Call(self).run_op(agent, op)

    async def status(self, agents: Sequence[Agent]) -> GroupResult:
        return await _Call(self).status(agents)

    async def acquire(self, agents: Sequence[Agent]) -> GroupResult:
        return await _Call(self).acquire(agents)

    async def release(self, agents: Sequence[Agent]) -> GroupResult:
        return await _Call(self).release(agents)


class _Call:
    """One acquire/release/status: the steps and log lines it produced."""

    def __init__(self, g: GroupRunner) -> None:
        self.g = g
        self._steps: list[Step] = []
        self._lines: list[LogLine] = []

    def _log(self, level: str, message: str) -> None:
        line = LogLine(level, message)
        self._lines.append(line)
        if self.g._log_cb is not None:
            self.g._log_cb(line)

    def _result(
        self,
        ok: bool,
        state: GroupState,
        reason: str,
        failed: str | None = None,
        reboot_required: bool = False,
    ) -> GroupResult:
        return GroupResult(
            ok, state, reason, tuple(self._steps), tuple(self._lines), failed, reboot_required
        )

    async def run_op(self, agent: Agent, op: Operation) -> Step:
        argv = agent.argv(op)
        env = {**self.g.env, **agent.env()}
        if op is not Operation.STATUS:
            self._log("info", "Running " + " ".join(argv))
        result = await self.g.runner.run(argv, env, self.g.timeouts.for_op(op), self.g.cwd)
        outcome = _interpret(agent, op, result)
        if op is not Operation.STATUS and (result.stdout.strip() or result.stderr.strip()):
            # Heartbeat sends start/stop output to the debug log, not the main log
            text = (result.stdout + result.stderr).strip().replace("\n", " | ")
            self._log("debug", f"{agent.spec} {op.value} output: {text[:2000]}")
        if not outcome.ok:
            self._log("error", f"Return code {result.rc} from {agent.script}: {outcome.reason}")
        step = Step(agent.spec, op, argv, result, outcome)
        self._steps.append(step)
        return step

    async def status(self, agents: Sequence[Agent]) -> GroupResult:
        running: list[str] = []
        failed: str | None = None
        for agent in agents:
            step = await self.run_op(agent, Operation.STATUS)
            if step.outcome.status is Status.RUNNING:
                running.append(agent.spec)
            elif step.outcome.status is Status.FAILED and failed is None:
                failed = agent.spec
        if failed is not None:
            return self._result(
                False, GroupState.FAILED, f"status of {failed} failed", failed=failed
            )
        if len(running) == len(agents):
            return self._result(True, GroupState.RUNNING, "all resources running")
        if not running:
            return self._result(True, GroupState.STOPPED, "no resource running")
        return self._result(True, GroupState.PARTIAL, "running: " + " ".join(running))

    async def acquire(self, agents: Sequence[Agent]) -> GroupResult:
        self._log("info", "Acquiring resource group: " + " ".join(a.spec for a in agents))
        started: list[Agent] = []
        for agent in agents:
            st = await self.run_op(agent, Operation.STATUS)
            if st.outcome.status is Status.RUNNING:
                self._log("info", f"{agent.spec} is already running")
                continue
            if st.outcome.status is Status.FAILED:
                self._log(
                    "warning", f"status of {agent.spec} failed ({st.outcome.reason}); starting it"
                )
            step = await self.run_op(agent, Operation.START)
            if step.ok:
                started.append(agent)
                continue
            self._log("critical", f"Giving up resources due to failure of {agent.spec}")
            undo = [*started, agent]
            for other in reversed(undo):
                await self._stop_with_retries(other)
            return self._result(
                False,
                GroupState.FAILED,
                f"start of {agent.spec} failed ({step.outcome.reason}); stopped "
                + (" ".join(a.spec for a in reversed(undo))),
                failed=agent.spec,
            )
        return self._result(True, GroupState.RUNNING, "group running")

    async def release(self, agents: Sequence[Agent]) -> GroupResult:
        self._log("info", "Releasing resource group: " + " ".join(a.spec for a in agents))
        failed: str | None = None
        reboot = False
        for agent in reversed(agents):
            verdict = await self._stop_with_retries(agent)
            if verdict == "still-running" and failed is None:
                failed, reboot = agent.spec, True
                if self.g.reboot is not None:
                    self._log(
                        "critical",
                        "Killing the cluster manager and rebooting (stop_failure reboot)",
                    )
                    await self.g.reboot()
                    break
        if failed is not None:
            return self._result(
                False,
                GroupState.FAILED,
                f"stop of {failed} failed and it is still running; reboot required",
                failed=failed,
                reboot_required=reboot,
            )
        return self._result(True, GroupState.STOPPED, "group stopped")

    async def _stop_with_retries(self, agent: Agent) -> str:
        """Stop one resource: "stopped", "not-lsb" (stop failed, status says stopped) or
        "still-running"."""
        step = await self.run_op(agent, Operation.STOP)
        attempts = 0
        while not step.ok and (self.g.stop_retry_max <= 0 or attempts < self.g.stop_retry_max):
            attempts += 1
            await self.g.sleep(self.g.retry_interval)
            self._log("info", f"Retrying failed stop operation [{agent.spec}]")
            step = await self.run_op(agent, Operation.STOP)
        if step.ok:
            return "stopped"
        st = await self.run_op(agent, Operation.STATUS)
        if st.outcome.status is Status.STOPPED:
            self._log("error", f"Resource script for {agent.spec} probably not LSB-compliant.")
            self._log("warning", f"it ({agent.spec}) MUST succeed on a stop when already stopped")
            self._log("warning", "Machine reboot narrowly avoided!")
            return "not-lsb"
        self._log("critical", "Resource STOP failure. Reboot required!")
        if self.g.reboot is None:
            self._log(
                "critical",
                f"No reboot (failover.cf: stop_failure keep): {agent.spec} is still running "
                f"after {attempts + 1} stop attempts; it is left in FAILED state and must be "
                "fixed by hand before this group can run anywhere else",
            )
        return "still-running"
