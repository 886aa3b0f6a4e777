"""SDK agents run by REAL Heartbeat 3.0.6: its ResourceManager takes and gives a group.

No daemon is needed: ``/usr/share/heartbeat/ResourceManager takegroup KEY`` is what the
daemon runs.  It runs inside ``unshare --mount --uts`` with a private copy of /etc/ha.d
bind-mounted over the real one (whose haresources names our agents), and the
environment the daemon gives scripts (HA_* and OCF_ROOT).  The host's /etc/ha.d is
never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.agent import PidFile, terminate
from ha_agents.agent.install import install_agent
from ha_agents.agents.redis.agent import redis_command
from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())
RM = "/usr/share/heartbeat/ResourceManager"

pytestmark = [
    pytest.mark.heartbeat,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for unshare --mount"),
    pytest.mark.skipif(not os.path.exists(RM), reason="needs the Debian heartbeat package"),
    pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server"),
]


def resource_manager(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ResourceManager in a private mount+UTS namespace over our /etc/ha.d copy."""
    script = 'mount --bind "$1" /etc/ha.d && hostname node1 && shift && exec "$@"'
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HA_LOGFILE": str(work / "ha-log"),
        "HA_DEBUGLOG": str(work / "ha-debug"),
        "HA_RESOURCEDIR": "/etc/ha.d//resource.d",
        "HA_CURHOST": "node1",
        "HA_BIN": "/usr/libexec/heartbeat",
        "HA_DATEFMT": "%Y/%m/%d_%T ",
        "OCF_ROOT": "/usr/lib/ocf",  # Heartbeat exports it too: must not look like OCF
        "LC_ALL": "C",
    }
    argv = ["unshare", "--mount", "--uts", "--propagation", "private"]
    argv += ["/bin/sh", "-c", script, "sh", str(work / "ha.d"), RM, *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_heartbeat_takegroup_and_givegroup_run_sdk_agents(
    agent_dir: Path, free_port: int, example_agent: Path
) -> None:
    work = agent_dir
    hadir = work / "ha.d"
    shutil.copytree("/etc/ha.d", hadir, symlinks=True)
    install_agent(AGENTS_DIR / "redis", hadir / "resource.d" / "redis", sys.executable)
    install_agent(example_agent, hadir / "resource.d" / "example", sys.executable)
    data, pidfile, state = work / "data", work / "redis.pid", work / "state"
    key = f"redis::{free_port}::127.0.0.1::{data}::pidfile={pidfile}"
    (hadir / "haresources").write_text(f"node1 {key} example::{state}\n")
    try:
        take = resource_manager(work, "takegroup", key)
        log = (work / "ha-log").read_text()
        assert take.returncode == 0, take.stderr + log
        # Heartbeat ran status (our agent printed "stopped"), then start, left to right.
        spath = "/etc/ha.d//resource.d"
        redis_args = f"{free_port} 127.0.0.1 {data} pidfile={pidfile}"
        assert f"Running {spath}/redis {redis_args} start" in log
        assert f"Running {spath}/example {state} start" in log
        assert log.index("resource.d/redis") < log.index("resource.d/example")
        assert redis_command("127.0.0.1", free_port, ["PING"]) == "+PONG"
        assert len(list(state.iterdir())) == 1
        # Our agents logged into Heartbeat's log file in Heartbeat's format.
        assert " info: started (pid " in log and "redis[" in log

        status = resource_manager(work, "status", key)
        assert status.returncode == 0, status.stdout + status.stderr  # "running"

        again = resource_manager(work, "takegroup", key)
        assert again.returncode == 0
        log = (work / "ha-log").read_text()
        assert log.count(f"redis {redis_args} start") == 1  # status said running: no restart

        assert redis_command("127.0.0.1", free_port, ["PING"]) == "+PONG"
        give = resource_manager(work, "givegroup", key)
        log = (work / "ha-log").read_text()
        assert give.returncode == 0, give.stderr + log
        assert "Releasing resource group" in log and "ERROR" not in log
        assert log.rstrip().endswith("info: stopped"), (work / "ha-debug").read_text()
        assert log.index(f"example {state} stop") < log.index(f"redis {redis_args} stop")
        assert redis_command("127.0.0.1", free_port, ["PING"], 1) is None
        assert list(state.iterdir()) == []
        assert resource_manager(work, "status", key).returncode == 3
    finally:
        pid = PidFile(pidfile).read()
        if pid is not None:
            terminate(pid, 2)
