"""``ha-agents test-agent``: exercise one agent like ocf-tester, for all three classes.

Sequence: (OCF: meta-data, validate-all) start → status → start (idempotent) → stop →
status → stop (idempotent).  Each step is checked with the rule of the agent's class:

| step           | heartbeat class              | LSB        | OCF             |
|----------------|------------------------------|------------|-----------------|
| start, stop    | exit 0                       | exit 0     | exit 0          |
| status running | stdout says running (§3)     | exit 0     | monitor exit 0  |
| status stopped | stdout says stopped          | exit 3     | monitor exit 7  |
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from ha_agents.resources import heartbeat
from ha_agents.resources.agents import Agent, AgentClass
from ha_agents.resources.group import Timeouts
from ha_agents.resources.outcome import Operation, RunResult, ScriptRunner, Status


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    argv: tuple[str, ...]
    ok: bool
    expected: str
    got: str
    duration: float
    stdout: str
    stderr: str


def _got(agent: Agent, op: Operation, res: RunResult) -> str:
    if res.timed_out:
        return f"timed out after {res.duration:.1f}s"
    if res.error:
        return res.error
    if agent.cls is AgentClass.HEARTBEAT and op is Operation.STATUS:
        line = res.stdout.strip().splitlines()[0][:60] if res.stdout.strip() else ""
        return f"exit {res.rc}, stdout {line!r} ({heartbeat.status_verdict(res.stdout).value})"
    return f"exit {res.rc}"


def _expect_status(agent: Agent, want: Status) -> tuple[str, int | None]:
    if agent.cls is AgentClass.HEARTBEAT:
        return f"stdout that means {want.value}", None
    if agent.cls is AgentClass.LSB:
        return ("exit 0", 0) if want is Status.RUNNING else ("exit 3", 3)
    return ("monitor exit 0", 0) if want is Status.RUNNING else ("monitor exit 7", 7)


def _meta_ok(stdout: str) -> str | None:
    try:
        root = ET.fromstring(stdout.encode())
    except ET.ParseError as exc:
        return f"meta-data is not XML ({exc})"
    if root.tag != "resource-agent" or root.find("actions") is None:
        return "meta-data lacks <resource-agent> or <actions>"
    return None


async def run_checks(
    agent: Agent,
    runner: ScriptRunner,
    env: Mapping[str, str],
    timeouts: Timeouts | None = None,
    cwd: str | None = None,
) -> list[Check]:
    t = timeouts or Timeouts(start=60, stop=60, status=30, other=30)
    full_env = {**env, **agent.env()}
    checks: list[Check] = []

    async def call(op: Operation) -> tuple[tuple[str, ...], RunResult]:
        argv = agent.argv(op)
        return argv, await runner.run(argv, full_env, t.for_op(op), cwd)

    def add(name: str, argv: tuple[str, ...], res: RunResult, ok: bool, expected: str) -> None:
        checks.append(
            Check(
                name,
                argv,
                ok,
                expected,
                _got(agent, op_of(name), res),
                res.duration,
                res.stdout,
                res.stderr,
            )
        )

    if agent.cls is AgentClass.OCF:
        argv, res = await call(Operation.META_DATA)
        problem = _meta_ok(res.stdout) if res.rc == 0 and not res.timed_out else "no meta-data"
        add("meta-data", argv, res, problem is None, "exit 0 and OCF meta-data XML")
        argv, res = await call(Operation.VALIDATE_ALL)
        add("validate-all", argv, res, res.rc == 0 and not res.timed_out, "exit 0")

    plan = [
        ("start", Operation.START, None),
        ("status (running)", Operation.STATUS, Status.RUNNING),
        ("start again (idempotent)", Operation.START, None),
        ("stop", Operation.STOP, None),
        ("status (stopped)", Operation.STATUS, Status.STOPPED),
        ("stop again (idempotent)", Operation.STOP, None),
    ]
    for name, op, want in plan:
        argv, res = await call(op)
        clean = not res.timed_out and res.error is None
        if want is None:
            add(name, argv, res, clean and res.rc == 0, "exit 0")
            continue
        expected, code = _expect_status(agent, want)
        if code is None:
            ok = clean and heartbeat.status_verdict(res.stdout) is want
        else:
            ok = clean and res.rc == code
        add(name, argv, res, ok, expected)
    return checks


def op_of(name: str) -> Operation:
    word = name.split()[0]
    return Operation.STATUS if word == "status" else Operation(word)
