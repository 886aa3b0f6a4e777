"""Group semantics (spec resources.md §3) with a scripted fake runner, plus one real
check that a slow stop does not block the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ha_agents.resources.agents import Agent, AgentClass
from ha_agents.resources.group import GroupRunner, GroupState, Timeouts
from ha_agents.resources.runner import AsyncScriptRunner, RunResult


class ScriptedRunner:
    """Answers each (script, op) from a table; records the calls in order."""

    def __init__(self, answers: dict[tuple[str, str], list[RunResult]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def run(
        self, argv: Sequence[str], env: Mapping[str, str], timeout: float, cwd: str | None = None
    ) -> RunResult:
        key = (argv[0].rsplit("/", 1)[-1], argv[-1])
        self.calls.append(f"{key[0]} {key[1]}")
        queue = self.answers.get(key)
        if not queue:
            return RunResult(0, "", "")
        return queue.pop(0) if len(queue) > 1 else queue[0]


def hb(name: str) -> Agent:
    return Agent(name, AgentClass.HEARTBEAT, f"/rd/{name}")


STOPPED = RunResult(0, "stopped\n", "")
RUNNING = RunResult(0, "running\n", "")
FAIL = RunResult(1, "", "boom")


def make(runner: ScriptedRunner, **kw: object) -> tuple[GroupRunner, list[float]]:
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    return GroupRunner(runner, {}, sleep=sleep, **kw), sleeps  # type: ignore[arg-type]


def test_acquire_checks_status_then_starts_left_to_right_skipping_running() -> None:
    r = ScriptedRunner(
        {("a", "status"): [STOPPED], ("b", "status"): [RUNNING], ("c", "status"): [STOPPED]}
    )
    g, _ = make(r)
    res = asyncio.run(g.acquire([hb("a"), hb("b"), hb("c")]))
    assert (res.ok, res.state) == (True, GroupState.RUNNING)
    assert r.calls == ["a status", "a start", "b status", "c status", "c start"]
    assert res.log[0].message == "Acquiring resource group: a b c"


def test_release_stops_right_to_left_without_status() -> None:
    r = ScriptedRunner({})
    g, _ = make(r)
    res = asyncio.run(g.release([hb("a"), hb("b"), hb("c")]))
    assert (res.ok, res.state) == (True, GroupState.STOPPED)
    assert r.calls == ["c stop", "b stop", "a stop"]


def test_failed_start_stops_started_and_failed_right_to_left_and_names_it() -> None:
    r = ScriptedRunner(
        {
            ("a", "status"): [STOPPED],
            ("b", "status"): [STOPPED],
            ("b", "start"): [FAIL],
            ("c", "status"): [STOPPED],
        }
    )
    g, _ = make(r)
    res = asyncio.run(g.acquire([hb("a"), hb("b"), hb("c")]))
    assert (res.ok, res.state, res.failed) == (False, GroupState.FAILED, "b")
    assert r.calls == ["a status", "a start", "b status", "b start", "b stop", "a stop"]
    assert ("critical", "Giving up resources due to failure of b") in [
        (x.level, x.message) for x in res.log
    ]
    assert "start of b failed (exit 1)" in res.reason


def test_failed_stop_retried_then_status_running_escalation_off_leaves_failed() -> None:
    r = ScriptedRunner({("b", "stop"): [FAIL], ("b", "status"): [RUNNING]})
    g, sleeps = make(r, stop_retry_max=3)
    res = asyncio.run(g.release([hb("a"), hb("b")]))
    assert r.calls == ["b stop"] * 4 + ["b status", "a stop"]
    assert sleeps == [1.0, 1.0, 1.0]
    assert (res.ok, res.state, res.failed, res.reboot_required) == (
        False,
        GroupState.FAILED,
        "b",
        True,
    )
    crit = [x.message for x in res.log if x.level == "critical"]
    assert crit[0] == "Resource STOP failure. Reboot required!"
    assert "No reboot (failover.cf: stop_failure keep)" in crit[1] and "FAILED" in crit[1]
    retries = [x for x in res.log if x.message == "Retrying failed stop operation [b]"]
    assert len(retries) == 3


def test_failed_stop_with_reboot_opt_in_calls_reboot_and_stops_there() -> None:
    r = ScriptedRunner({("b", "stop"): [FAIL], ("b", "status"): [RUNNING]})
    reboots: list[str] = []

    async def reboot() -> None:
        reboots.append("reboot")

    g, _ = make(r, stop_retry_max=1, reboot=reboot)
    res = asyncio.run(g.release([hb("a"), hb("b")]))
    assert reboots == ["reboot"] and res.failed == "b"
    assert "a stop" not in r.calls


def test_failed_stop_but_status_stopped_warns_not_lsb_and_continues() -> None:
    r = ScriptedRunner({("b", "stop"): [FAIL], ("b", "status"): [STOPPED]})
    g, _ = make(r, stop_retry_max=2)
    res = asyncio.run(g.release([hb("a"), hb("b")]))
    assert (res.ok, res.state) == (True, GroupState.STOPPED)
    msgs = [x.message for x in res.log]
    assert "Resource script for b probably not LSB-compliant." in msgs
    assert "Machine reboot narrowly avoided!" in msgs
    assert r.calls[-1] == "a stop"


def test_stop_succeeding_on_a_retry_is_success() -> None:
    r = ScriptedRunner({("a", "stop"): [FAIL, FAIL, RunResult(0, "", "")]})
    g, sleeps = make(r)
    res = asyncio.run(g.release([hb("a")]))
    assert res.ok and r.calls == ["a stop"] * 3 and sleeps == [1.0, 1.0]


def test_timed_out_start_is_a_failed_start() -> None:
    r = ScriptedRunner(
        {
            ("a", "status"): [STOPPED],
            ("a", "start"): [RunResult(-15, "", "", timed_out=True, duration=5.0)],
        }
    )
    g, _ = make(r)
    res = asyncio.run(g.acquire([hb("a")]))
    assert res.failed == "a" and "timed out after 5.0s" in res.reason


def test_status_of_a_group_partial_and_failed() -> None:
    r = ScriptedRunner({("a", "status"): [RUNNING], ("b", "status"): [STOPPED]})
    g, _ = make(r)
    assert asyncio.run(g.status([hb("a"), hb("b")])).state is GroupState.PARTIAL
    ocf = Agent("ocf", AgentClass.OCF, "/ocf/x")
    r2 = ScriptedRunner({("x", "monitor"): [RunResult(1, "", "")]})
    g2, _ = make(r2)
    res = asyncio.run(g2.status([ocf]))
    assert (res.ok, res.state, res.failed) == (False, GroupState.FAILED, "ocf")


def test_slow_stop_script_does_not_block_the_event_loop(tmp_path: Path) -> None:
    """A stop that takes 1.5 s must not delay a 100 ms ticker (heartbeats) by more than a tick."""
    s = tmp_path / "slow"
    s.write_text("#!/bin/sh\nsleep 1.5\n")
    s.chmod(0o755)
    agent = Agent("slow", AgentClass.HEARTBEAT, str(s))

    async def scenario() -> list[float]:
        g = GroupRunner(
            AsyncScriptRunner(),
            {"PATH": "/bin:/usr/bin"},
            sleep=asyncio.sleep,
            timeouts=Timeouts(stop=10),
        )
        gaps: list[float] = []
        stop_task = asyncio.ensure_future(g.release([agent]))
        last = time.monotonic()
        while not stop_task.done():
            await asyncio.sleep(0.1)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        assert (await stop_task).ok
        return gaps

    gaps = asyncio.run(scenario())
    assert len(gaps) >= 10
    assert max(gaps) < 0.3, gaps


def test_reboot_escalation_is_called_once_when_a_stop_cannot_succeed(tmp_path: Path) -> None:
    """GroupRunner calls its ``reboot`` port once a stop failed every retry and the
    resource still runs (the daemon's executor gives it with ``stop_failure reboot``)."""
    record = tmp_path / "record"
    fail = tmp_path / "reboot"
    fail.write_text(f'#!/bin/sh\necho "reboot $*" >> {record}\nexit 1\n')
    ok = tmp_path / "init"
    ok.write_text(f'#!/bin/sh\necho "init $*" >> {record}\nexit 0\n')
    stuck = tmp_path / "stuck"
    stuck.write_text("#!/bin/sh\ncase $1 in stop) exit 1;; status) echo running;; esac\n")
    for f in (fail, ok, stuck):
        f.chmod(0o755)
    runner = AsyncScriptRunner()
    env = {"PATH": "/bin:/usr/bin"}

    async def nosleep(_: float) -> None:
        return None

    async def reboot() -> None:
        for argv in ([str(fail), "-nf"], [str(ok), "6"]):
            if (await runner.run(argv, env, 10.0)).rc == 0:
                return

    g = GroupRunner(runner, env, sleep=nosleep, stop_retry_max=2, reboot=reboot)
    res = asyncio.run(g.release([Agent("stuck", AgentClass.HEARTBEAT, str(stuck))]))
    assert (res.ok, res.failed, res.reboot_required) == (False, "stuck", True)
    assert record.read_text() == "reboot -nf\ninit 6\n"


def test_one_group_runner_runs_two_groups_at_once_without_mixing_their_records() -> None:
    class SlowRunner(ScriptedRunner):
        async def run(
            self,
            argv: Sequence[str],
            env: Mapping[str, str],
            timeout: float,
            cwd: str | None = None,
        ) -> RunResult:
            await asyncio.sleep(0.01)
            return await super().run(argv, env, timeout, cwd)

    r = SlowRunner({})
    g, _ = make(r)

    async def both() -> tuple[object, object]:
        return await asyncio.gather(g.acquire([hb("a1"), hb("a2")]), g.acquire([hb("b1")]))

    ra, rb = asyncio.run(both())
    assert [s.resource for s in ra.steps] == ["a1", "a1", "a2", "a2"]  # type: ignore[attr-defined]
    assert [s.resource for s in rb.steps] == ["b1", "b1"]  # type: ignore[attr-defined]
