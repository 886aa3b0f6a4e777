"""resource.d/redis with a real redis-server, through all three conventions and ocf-tester."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agent import PidFile, terminate, wait_until
from ha_agents.agent.testing import (
    OCF_TESTER,
    Convention,
    check_lifecycle,
    check_meta_data,
    invoke,
    run_ocf_tester,
)
from ha_agents.agents.redis.agent import redis_command

pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/redis-server"), reason="needs Debian redis-server"
)


@pytest.fixture
def params(agent_dir: Path, free_port: int) -> Iterator[dict[str, str]]:
    values = {
        "port": str(free_port),
        "bind": "127.0.0.1",
        "datadir": str(agent_dir / "data"),
        "pidfile": str(agent_dir / "run" / "redis.pid"),
    }
    yield values
    pid = PidFile(values["pidfile"]).read()  # never leave a redis behind
    if pid is not None:
        terminate(pid, 2)


@pytest.mark.parametrize("convention", [Convention.OCF, Convention.LSB], ids=lambda c: c.value)
def test_redis_lifecycle(
    convention: Convention, redis_agent: Path, params: dict[str, str], agent_dir: Path
) -> None:
    check_lifecycle(redis_agent, convention, params, workdir=agent_dir)


def test_redis_lifecycle_heartbeat_positional(
    redis_agent: Path, params: dict[str, str], agent_dir: Path
) -> None:
    # haresources: redis::PORT::127.0.0.1::DATADIR::::PIDFILE is not possible (empty
    # arguments vanish), so the pid file is given by name.
    args = [params["port"], "127.0.0.1", params["datadir"], f"pidfile={params['pidfile']}"]
    check_lifecycle(redis_agent, Convention.HEARTBEAT, args=args, workdir=agent_dir)


def test_redis_really_serves_and_stops(redis_agent: Path, params: dict[str, str]) -> None:
    port = int(params["port"])
    assert invoke(redis_agent, Convention.OCF, "start", params).rc == 0
    assert redis_command("127.0.0.1", port, ["SET", "k", "v"]) == "+OK"
    assert redis_command("127.0.0.1", port, ["GET", "k"]) == "v"
    pid = PidFile(params["pidfile"]).alive()
    assert pid is not None
    assert invoke(redis_agent, Convention.OCF, "stop", params).rc == 0
    assert redis_command("127.0.0.1", port, ["PING"], 1) is None
    assert not Path(params["pidfile"]).exists()


def test_redis_killed_is_dead_then_stop_cleans_up(
    redis_agent: Path, params: dict[str, str]
) -> None:
    assert invoke(redis_agent, Convention.OCF, "start", params).rc == 0
    pid = PidFile(params["pidfile"]).alive()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: PidFile(params["pidfile"]).alive() is None, 5, 0.05)
    assert invoke(redis_agent, Convention.OCF, "monitor", params).rc == 7
    lsb = invoke(redis_agent, Convention.LSB, "status", params, workdir=Path(params["datadir"]))
    assert (lsb.rc, lsb.stdout.startswith("redis is dead")) == (1, True)
    assert invoke(redis_agent, Convention.OCF, "stop", params).rc == 0
    assert not Path(params["pidfile"]).exists()
    assert invoke(redis_agent, Convention.OCF, "monitor", params).rc == 7


def test_redis_hung_server_fails_monitor_and_stop_kills_it(
    redis_agent: Path, params: dict[str, str]
) -> None:
    assert invoke(redis_agent, Convention.OCF, "start", params).rc == 0
    pid = PidFile(params["pidfile"]).alive()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # alive, but no PONG
    try:
        mon = invoke(redis_agent, Convention.OCF, "monitor", params)
        assert mon.rc == 1 and "PING answered nothing" in mon.stderr
        hb = invoke(
            redis_agent,
            Convention.HEARTBEAT,
            "status",
            args=[params["port"], "127.0.0.1", params["datadir"], f"pidfile={params['pidfile']}"],
        )
        assert (hb.rc, hb.stdout) == (1, "failed\n")
        assert invoke(redis_agent, Convention.OCF, "stop", params, timeout=60).rc == 0
        assert wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 5, 0.05)
    finally:
        if os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGKILL)


def test_redis_check_level_10_checks_the_pid(redis_agent: Path, params: dict[str, str]) -> None:
    assert invoke(redis_agent, Convention.OCF, "start", params).rc == 0
    deep = invoke(redis_agent, Convention.OCF, "monitor", params, env={"OCF_CHECK_LEVEL": "10"})
    assert deep.rc == 0
    Path(params["pidfile"]).write_text(f"{os.getpid()}\n")  # alive, but not that redis
    assert invoke(redis_agent, Convention.OCF, "monitor", params).rc == 7  # name guard
    assert invoke(redis_agent, Convention.OCF, "stop", params).rc == 0


def test_redis_validate_errors(redis_agent: Path, params: dict[str, str]) -> None:
    assert invoke(redis_agent, Convention.OCF, "validate-all", params).rc == 0
    bad = {**params, "binary": "/nonexistent/redis-server"}
    assert invoke(redis_agent, Convention.OCF, "validate-all", bad).rc == 5
    assert invoke(redis_agent, Convention.OCF, "start", bad).rc == 5
    assert invoke(redis_agent, Convention.OCF, "validate-all", {**params, "port": "x"}).rc == 2
    assert (
        invoke(redis_agent, Convention.OCF, "validate-all", {**params, "config": "/nope"}).rc == 6
    )


@pytest.mark.skipif(not shutil.which("xmllint"), reason="needs xmllint (libxml2-utils)")
def test_redis_meta_data_validates_against_ra_api_dtd(redis_agent: Path) -> None:
    check_meta_data(redis_agent)


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(OCF_TESTER), reason="needs root and ocf-tester"
)
def test_redis_passes_ocf_tester(redis_agent: Path, params: dict[str, str]) -> None:
    result = run_ocf_tester(redis_agent, params, name="redis1")
    print(result.stdout + result.stderr)  # the ocf-tester transcript, kept in the test log
    assert result.rc == 0, result.stdout + result.stderr
    assert f"{result.stdout}".rstrip().endswith("passed all tests")
