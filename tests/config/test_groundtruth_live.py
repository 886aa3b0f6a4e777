"""Re-run real Heartbeat 3.0.6 on a handful of corpus cases, live, and compare with both
the recorded verdict and `ha-agents check` run in the same kind of network namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.config.crosscheck import TWO_NODE_RESOURCES
from ha_agents.config.load import load_config

from .corpus import CORPUS, REPO, GroundTruthHost, cases, expected, groundtruth_module

LIVE = ["classic_bcast", "keepalive_case", "ak_0644", "hr_bad_node", "bcast_eth9", "ucast_eth9"]

pytestmark = [pytest.mark.heartbeat, pytest.mark.netns, pytest.mark.timeout(120)]


@pytest.mark.parametrize("name", LIVE)
def test_live_heartbeat_matches_recorded_verdict(name: str) -> None:
    gt = groundtruth_module()
    verdict = gt.run_case(CORPUS / name, grace=2.0)
    assert verdict["accepted"] == expected(CORPUS / name)["accepted"], verdict["log"]


_NS_SCRIPT = """
set -e
ip link set lo up
ip link add eth0 type veth peer name eth1
ip addr add 192.0.2.11/24 brd + dev eth0
ip link set eth1 up
ip link set eth0 up
exec "$@"
"""


def test_check_in_a_groundtruth_namespace_agrees_on_every_case(tmp_path: Path) -> None:
    """`ha-agents check` itself (real interfaces, no test double) inside a namespace
    built like the ground-truth one, over the whole corpus in one process."""
    gt = groundtruth_module()
    by_name = {case.name: case for case in cases()}
    plan = []
    for case in by_name.values():
        d = tmp_path / case.name
        d.mkdir()
        gt.materialise(case, d)
        node = gt.case_node(case)
        plan.append((case.name, str(d), node))
    runner = (
        "import json,sys\n"
        "from ha_agents.cli import main\n"
        "import io, contextlib\n"
        "out={}\n"
        "for name,d,node in json.load(sys.stdin):\n"
        "    args=['check','--config-dir',d]+(['--node',node] if node else [])\n"
        "    sink=io.StringIO()\n"
        "    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):\n"
        "        out[name]=main(args)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [
            "unshare",
            "--net",
            "sh",
            "-c",
            _NS_SCRIPT,
            "sh",
            sys.executable,
            "-c",
            runner,
        ],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=110,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    wrong = {name: rc for name, rc in got.items() if rc != _expected_rc(by_name[name], tmp_path)}
    assert wrong == {}


def _expected_rc(case: Path, tmp_path: Path) -> int:
    """Heartbeat's verdict, except where ha_agents refuses by design: haresources on a
    cluster of more than two nodes (HR209, docs/daemon.md "More than two nodes")."""
    if not expected(case)["accepted"]:
        return 1
    _cfg, diags = load_config(
        str(tmp_path / case.name),
        groundtruth_module().case_node(case),
        extensions=False,
        host=GroundTruthHost(),
        tolerate=frozenset({TWO_NODE_RESOURCES}),
    )
    return 1 if any(d.code == TWO_NODE_RESOURCES for d in diags) else 0
