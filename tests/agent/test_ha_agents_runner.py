"""SDK agents under ha_agents' own resource runner (ha_agents.resources).

`ha-agents test-agent` checks each agent in all three classes; GroupRunner acquires
and releases a group of two SDK agents with Heartbeat's environment.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agent import PidFile, terminate
from ha_agents.agent.install import install_agent
from ha_agents.agents.redis.agent import redis_command
from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())

pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/redis-server"), reason="needs Debian redis-server"
)


def run_test_agent(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", "test-agent", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def installed(agent_dir: Path, example_agent: Path) -> Path:
    """A config dir whose resource.d holds redis and the new-agent example."""
    resource_d = agent_dir / "conf" / "resource.d"
    install_agent(AGENTS_DIR / "redis", resource_d / "redis", sys.executable)
    install_agent(example_agent, resource_d / "example", sys.executable)
    return agent_dir / "conf"


@pytest.fixture
def redis_files(agent_dir: Path) -> Iterator[dict[str, str]]:
    files = {"datadir": str(agent_dir / "data"), "pidfile": str(agent_dir / "redis.pid")}
    yield files
    pid = PidFile(files["pidfile"]).read()
    if pid is not None:
        terminate(pid, 2)


@pytest.mark.parametrize("cls", ["heartbeat", "lsb", "ocf"])
def test_test_agent_passes_redis(
    cls: str, installed: Path, redis_files: dict[str, str], free_port: int, agent_dir: Path
) -> None:
    script = installed / "resource.d" / "redis"
    d, p = redis_files["datadir"], redis_files["pidfile"]
    if cls == "heartbeat":
        res = run_test_agent(
            "--config-dir", str(installed), f"redis::{free_port}::127.0.0.1::{d}::pidfile={p}"
        )
    elif cls == "lsb":
        defaults = agent_dir / "redis.defaults"
        defaults.write_text(f"PORT={free_port}\nDATADIR={d}\nPIDFILE={p}\n")
        res = run_test_agent(
            "--class", "lsb", str(script), env={"HA_AGENT_DEFAULTS": str(defaults)}
        )
    else:
        spec = f"{script}::port={free_port}::datadir={d}::pidfile={p}"
        res = run_test_agent("--class", "ocf", spec)
    print(res.stdout)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "checks passed" in res.stdout and "FAIL" not in res.stdout


@pytest.mark.parametrize("cls", ["heartbeat", "lsb", "ocf"])
def test_test_agent_passes_example(cls: str, installed: Path, agent_dir: Path) -> None:
    state = agent_dir / "state"
    script = installed / "resource.d" / "example"
    if cls == "heartbeat":
        res = run_test_agent("--config-dir", str(installed), f"example::{state}")
    elif cls == "lsb":
        defaults = agent_dir / "example.defaults"
        defaults.write_text(f"STATE_DIR={state}\n")
        res = run_test_agent(
            "--class", "lsb", str(script), env={"HA_AGENT_DEFAULTS": str(defaults)}
        )
    else:
        res = run_test_agent("--class", "ocf", f"{script}::state_dir={state}")
    assert res.returncode == 0, res.stdout + res.stderr


def test_group_runner_acquires_and_releases_sdk_agents(
    installed: Path, redis_files: dict[str, str], free_port: int, agent_dir: Path
) -> None:
    from ha_agents.resources.agents import (
        Agent,
        ResolveError,
        SearchPaths,
        resolve,
        spec_from_text,
    )
    from ha_agents.resources.env import ScriptEnvConfig, build
    from ha_agents.resources.group import GroupRunner, GroupState
    from ha_agents.resources.runner import AsyncScriptRunner

    d, p = redis_files["datadir"], redis_files["pidfile"]
    texts = [f"redis::{free_port}::127.0.0.1::{d}::pidfile={p}", f"example::{agent_dir / 's'}"]
    agents: list[Agent] = []
    for text in texts:
        spec = spec_from_text(text)
        assert not isinstance(spec, ResolveError), spec
        agent = resolve(spec, SearchPaths(config_dir=str(installed)))
        assert isinstance(agent, Agent), agent
        agents.append(agent)
    logfile = agent_dir / "ha-log"
    env = build(
        dict(os.environ),
        ScriptEnvConfig(config_dir=str(installed), local_node="node1", logfile=str(logfile)),
    )

    async def scenario() -> tuple[GroupState, GroupState, str | None, GroupState, GroupState]:
        group = GroupRunner(AsyncScriptRunner(), env, sleep=asyncio.sleep)
        acquired = await group.acquire(agents)
        status = await group.status(agents)
        ping = redis_command("127.0.0.1", free_port, ["PING"])
        released = await group.release(agents)
        after = await group.status(agents)
        return acquired.state, status.state, ping, released.state, after.state

    acquired, status, ping, released, after = asyncio.run(scenario())
    assert (acquired, status, ping) == (GroupState.RUNNING, GroupState.RUNNING, "+PONG")
    assert (released, after) == (GroupState.STOPPED, GroupState.STOPPED)
    log = logfile.read_text()
    assert "redis[" in log and "info: started (pid" in log and "info: stopped" in log
