"""Our resource.d/IPaddr run by real Heartbeat 3.0.6's ResourceManager (no daemon needed):
inside a network namespace and a private mount+UTS namespace with a private /etc/ha.d."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from ha_agents.agent.install import install_agent
from tests.resources.helpers import AGENTS

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
RM = "/usr/share/heartbeat/ResourceManager"
KEY = "IPaddr::192.0.2.60/24/eth0"
STEPS = (
    'mount --bind "$1" /etc/ha.d && mount --bind "$2" /var/lib/heartbeat && hostname node1 && '
    'key=$3 && shift 3 && for op in "$@"; do '
    f'case $op in take) {RM} takegroup "$key";; give) {RM} givegroup "$key";; '
    f'status) {RM} status "$key";; esac; echo "$op=$?"; done'
)


def test_heartbeat_resourcemanager_runs_our_ipaddr(lab2: Any, tmp_path: Path) -> None:
    if not Path(RM).exists():
        pytest.skip("needs the heartbeat package")
    _, a, _ = lab2
    hadir = tmp_path / "ha.d"
    shutil.copytree("/etc/ha.d", hadir, symlinks=True)
    installed = install_agent(AGENTS / "IPaddr", hadir / "resource.d", sys.executable)
    assert installed.read_text().startswith(f"#!{sys.executable}\n")
    (hadir / "haresources").write_text(f"node1 {KEY}\n")
    log, debug = tmp_path / "ha-log", tmp_path / "ha-debug"
    (hadir / "ha.cf").write_text(f"logfile {log}\ndebugfile {debug}\nnode node1\nnode node2\n")
    (tmp_path / "varlib").mkdir()
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HA_LOGFILE": str(log),
        "HA_DEBUGLOG": str(debug),
        "HA_LOGD": "no",
    }

    def rm(*ops: str) -> list[str]:
        argv = [
            "unshare",
            "--mount",
            "--uts",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            STEPS,
            "sh",
            str(hadir),
            str(tmp_path / "varlib"),
            KEY,
            *ops,
        ]
        res = a.run(argv, check=False, env=env, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout.split()

    assert rm("status", "take", "status") == ["status=3", "take=0", "status=0"]
    addrs = a.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
    assert "192.0.2.60/24 brd 192.0.2.255 scope global secondary eth0:0" in addrs
    # the agent logs where Heartbeat's own scripts do: HA_DEBUGLOG and HA_LOGFILE
    assert "info: 192.0.2.60/24 added on eth0:0" in debug.read_text()
    assert "IPaddr[" in log.read_text() and "info: started (192.0.2.60/24 on eth0:0)" in (
        log.read_text()
    )
    assert "Running /etc/ha.d/resource.d/IPaddr 192.0.2.60/24/eth0 start" in log.read_text()
    assert rm("give", "status") == ["give=0", "status=3"]
    assert "192.0.2.60" not in a.run(["ip", "-4", "-o", "addr"]).stdout
