"""Plain ``status``, ``watch`` and ``status --json`` tell the same story: who holds which
group, and one definition of the packet counters (status/counters.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ha_agents.membership.snapshot import LinkView, MembershipSnapshot, NodeView
from ha_agents.membership.states import LinkStatus
from ha_agents.status.snapshot import snapshot_document
from ha_agents.status.summary import summary
from ha_agents.status.watchview import render

REPO = Path(__file__).resolve().parents[2]

COUNTERS = (
    ("duplicate", 9),  # the same packet on the second link: not a drop
    ("own_echo", 5),
    ("bad_trailer_digest", 2),
    ("replay_old_generation", 1),
    ("bad_netstring", 3),
)


def _doc() -> dict[str, object]:
    up = LinkView("eth0", LinkStatus.UP, 0.2, "192.0.2.12")
    snap = MembershipSnapshot(
        local="node1",
        status="active",
        generation=7,
        uuid="00" * 16,
        seq=10,
        nodes=(
            NodeView(
                "node1",
                "active",
                "local",
                (LinkView("eth0", LinkStatus.UP, None, None),),
                None,
                7,
                None,
            ),
            NodeView("node2", "active", "active", (up,), 0.2, 3, None),
        ),
        counters=COUNTERS,
    )
    groups = [
        {"key": "IPaddr::192.0.2.50/24", "home": "node1", "state": "running", "owner": "node1"},
        {"key": "IPaddr::192.0.2.60/24", "home": "node2", "state": "stopped", "owner": "node2"},
    ]
    return snapshot_document(
        snap,
        parameters={},
        version="0",
        pid=1,
        resources={"rscstatus": "local", "groups": groups},
    )


def test_json_counters_are_the_sum_of_the_dropped_reasons() -> None:
    doc = _doc()
    dropped = doc["dropped"]
    assert isinstance(dropped, dict)
    assert dropped == {"bad_trailer_digest": 2, "replay_old_generation": 1, "bad_netstring": 3}
    assert doc["events"] == {"duplicate": 9, "own_echo": 5}
    assert doc["counters"] == {"dropped": 6, "forged": 2, "replayed": 1}


def test_plain_status_and_watch_show_the_same_totals_and_the_owners() -> None:
    doc = _doc()
    text = summary(doc)
    totals = "packets: dropped 6, forged 2, replayed 1"
    assert totals in text
    assert render(doc, "now").splitlines()[-1] == totals
    assert "  IPaddr::192.0.2.50/24 (home node1): held by node1, running here" in text
    assert "  IPaddr::192.0.2.60/24 (home node2): held by node2, stopped here" in text
    assert text.splitlines()[0] == "node node1: active (generation 7)"
    assert "  node2: active, heard 0.2s ago" in text


def _status(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        check=False,
    )


def test_status_without_a_daemon_names_the_socket_it_tried(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    for args in (["status"], ["status", "--json"], ["reload"]):
        r = _status(*args, "--run-dir", str(run_dir), env={})
        assert r.returncode == 3, r
        assert f"no answer on {run_dir}/ha-agents.sock" in r.stderr, r.stderr


def test_status_honours_ha_agents_run_dir_like_the_compat_cl_status(tmp_path: Path) -> None:
    env = {"HA_AGENTS_RUN_DIR": str(tmp_path)}
    for args in (["status"], ["standby"], ["takeover"], ["reload"]):
        r = _status(*args, env=env)
        assert r.returncode == 3 and f"{tmp_path}/ha-agents.sock" in r.stderr, (args, r.stderr)
    r = _status("run", "--help", env=env)
    assert "$HA_AGENTS_RUN_DIR" in r.stdout
