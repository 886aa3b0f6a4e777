"""Shared storage the way Heartbeat users run it: an ext4 image on a loop device, mounted by
``Filesystem::/dev/loopN::/srv/data::ext4`` (Heartbeat's resource.d/Filesystem wrapper) and
by the OCF agent, moving between two "nodes" that each have their own mount namespace."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resources.privmount import run_private

pytestmark = [
    pytest.mark.netns,  # root: loop devices and mount namespaces
    pytest.mark.skipif(
        not Path("/usr/lib/ocf/resource.d/heartbeat/Filesystem").exists(),
        reason="needs the resource-agents package",
    ),
]
PY = sys.executable

# One node's turn, inside its private mount namespace: start, prove the mount is ours
# only, write or read the data file, check status, stop, check status again.
NODE = r"""
ha() { "$PY" -m ha_agents resource "$@" --config-dir "$CFG"; }
ha start "$SPEC" >/dev/null || { echo "start failed"; exit 1; }
grep -q "^$DEV /srv/data " /proc/self/mounts || { echo "not mounted here"; exit 1; }
grep -q "^$DEV " /proc/1/mounts && { echo "mount leaked to the host"; exit 1; }
if [ "$MODE" = write ]; then echo "$NODE" > /srv/data/owner; fi
echo "owner: $(cat /srv/data/owner)"
ha status "$SPEC" >/dev/null; echo "status-running: $?"
ha stop "$SPEC" >/dev/null || { echo "stop failed"; exit 1; }
grep -q "^$DEV /srv/data " /proc/self/mounts && { echo "still mounted"; exit 1; }
ha status "$SPEC" >/dev/null; echo "status-stopped: $?"
"""


@pytest.fixture
def loopdev(tmp_path: Path) -> Iterator[str]:
    img = tmp_path / "shared.img"
    subprocess.run(["truncate", "-s", "16M", str(img)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(img)], check=True)
    dev = subprocess.run(
        ["losetup", "--find", "--show", str(img)], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def node_turn(tmp_path: Path, node: str, spec: str, dev: str, mode: str, cfg: str) -> str:
    srv = tmp_path / f"srv-{node}"
    (srv / "data").mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "PY": PY,
        "CFG": cfg,
        "SPEC": spec,
        "DEV": dev,
        "MODE": mode,
        "NODE": node,
    }
    res = run_private([(str(srv), "/srv")], ["sh", "-c", NODE], env=env, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


@pytest.mark.parametrize("form", ["heartbeat", "ocf"])
def test_filesystem_moves_between_two_nodes_mount_namespaces(
    tmp_path: Path, loopdev: str, form: str
) -> None:
    if form == "heartbeat":
        if not Path("/etc/ha.d/resource.d/Filesystem").exists():
            pytest.skip("needs the heartbeat package")
        spec, cfg = f"Filesystem::{loopdev}::/srv/data::ext4", "/etc/ha.d"
    else:
        spec = f"ocf:heartbeat:Filesystem::device={loopdev}::directory=/srv/data::fstype=ext4"
        cfg = str(tmp_path)
    first = node_turn(tmp_path, "node1", spec, loopdev, "write", cfg)
    assert first.splitlines() == ["owner: node1", "status-running: 0", "status-stopped: 3"]
    second = node_turn(tmp_path, "node2", spec, loopdev, "read", cfg)
    assert second.splitlines() == ["owner: node1", "status-running: 0", "status-stopped: 3"]
