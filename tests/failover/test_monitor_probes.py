"""The executor's checks and restarts (daemon/probes.py) on real scripts: each class's
status read as everywhere else (heartbeat-class text, LSB exit codes, OCF monitor codes),
OCF_CHECK_LEVEL from ``depth``, a hanging check killed at its timeout."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ha_agents.daemon import probes
from ha_agents.failover.actions import Probe, RestartResources
from ha_agents.failover.events import Verdict
from ha_agents.resources.agents import Agent, AgentClass
from ha_agents.resources.group import GroupRunner, Timeouts
from ha_agents.resources.runner import AsyncScriptRunner


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _probe(agent: Agent, timeout: float = 5.0, depth: int | None = None) -> object:
    runner = GroupRunner(
        AsyncScriptRunner(), {}, sleep=asyncio.sleep, timeouts=Timeouts(status=timeout)
    )
    item = Probe("G", 1, agent.spec, 7, timeout, depth, "test")
    return asyncio.run(probes.probe(runner, agent, item, time.monotonic))


@pytest.mark.parametrize(
    ("cls", "body", "verdict"),
    [
        (AgentClass.HEARTBEAT, "echo 'web is running'; exit 1", Verdict.RUNNING),  # text wins
        (AgentClass.HEARTBEAT, "echo OK", Verdict.RUNNING),
        (AgentClass.HEARTBEAT, "echo 'web is not running'; exit 0", Verdict.STOPPED),
        (AgentClass.HEARTBEAT, "echo", Verdict.STOPPED),
        (AgentClass.LSB, "exit 0", Verdict.RUNNING),
        (AgentClass.LSB, "exit 3", Verdict.STOPPED),
        (AgentClass.LSB, "exit 1", Verdict.STOPPED),
        (AgentClass.LSB, "exit 4", Verdict.FAILED),
        (AgentClass.OCF, '[ "$1" = monitor ] && exit 0; exit 3', Verdict.RUNNING),
        (AgentClass.OCF, "exit 7", Verdict.STOPPED),
        (AgentClass.OCF, "exit 1", Verdict.FAILED),
    ],
)
def test_each_class_is_read_as_heartbeat_lsb_and_ocf_say(
    tmp_path: Path, cls: AgentClass, body: str, verdict: Verdict
) -> None:
    agent = Agent("web", cls, _script(tmp_path, "web", body))
    done = _probe(agent)
    assert (done.key, done.index, done.probe, done.verdict) == ("G", 1, 7, verdict)  # type: ignore[attr-defined]


def test_depth_reaches_an_ocf_monitor_as_ocf_check_level(tmp_path: Path) -> None:
    agent = Agent("db", AgentClass.OCF, _script(tmp_path, "db", '[ "$OCF_CHECK_LEVEL" = 20 ]'))
    assert _probe(agent, depth=20).verdict is Verdict.RUNNING  # type: ignore[attr-defined]
    assert _probe(agent).verdict is Verdict.FAILED  # type: ignore[attr-defined]


def test_a_hanging_check_is_killed_at_its_timeout_and_fails(tmp_path: Path) -> None:
    agent = Agent("web", AgentClass.LSB, _script(tmp_path, "web", "sleep 30"))
    t0 = time.monotonic()
    done = _probe(agent, timeout=0.5)
    assert time.monotonic() - t0 < 5.0
    assert done.verdict is Verdict.FAILED and "timed out" in done.detail  # type: ignore[attr-defined]
    assert 0.5 <= done.duration < 3.0  # type: ignore[attr-defined]


def test_a_restart_stops_from_the_failed_resource_right_to_left_then_starts(
    tmp_path: Path,
) -> None:
    log = tmp_path / "ops"
    agents = [
        Agent(
            n,
            AgentClass.LSB,
            _script(tmp_path, n, f'echo "{n} $1" >> {log}; [ "$1" != status ] || exit 3'),
        )
        for n in ("ip", "db", "web")
    ]
    runner = GroupRunner(AsyncScriptRunner(), {}, sleep=asyncio.sleep)
    done = asyncio.run(
        probes.restart(runner, agents, RestartResources("G", 1, "t"), time.monotonic)
    )
    assert done.ok and done.index == 1
    assert log.read_text().split("\n")[:-1] == [
        "web stop", "db stop", "db status", "db start", "web status", "web start",
    ]  # fmt: skip
