"""Our installed ``cl_status`` answers like the real one: a mixed cluster (real Heartbeat
3.0.6 on node1, ha_agents on node2, each holding its own group), the same questions asked
on both nodes (names mirrored), then each node asked again after the other one died."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from ha_agents.commands._system import install_compat
from tests.lab import Lab, wait_until
from tests.lab.agentnode import REPO
from tests.lab.cluster import AUTHKEYS, ClusterSpec, LabNode
from tests.lab.heartbeat import HeartbeatNode

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
Answer = tuple[str, str, int, str]
MIRROR = {"node1": "node2", "node2": "node1"}
LOG_PREFIX = re.compile(r"^\w{3} [ \d]\d [\d:]{8} \S+ cl_status: \[\d+\]: ", re.MULTILINE)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("oc") as lab:
        yield lab


def _script(state: str) -> str:
    return (
        "#!/bin/sh\n"
        f'f="{state}.$1"\n'
        'case "$2" in\n'
        '  start) touch "$f" ;;\n'
        '  stop) rm -f "$f" ;;\n'
        '  status) if [ -e "$f" ]; then echo running; else echo stopped; fi ;;\n'
        "esac\nexit 0\n"
    )


def _questions(me: str) -> list[list[str]]:
    peer = MIRROR[me]
    return [
        [],
        ["hbstatus"],
        ["listnodes", "-n"],
        ["listnodes"],
        ["nodestatus", me],
        ["nodestatus", peer],
        ["nodestatus", "nosuch"],
        ["nodetype", peer],
        ["listhblinks", peer],
        ["listhblinks", "-v", peer],
        ["hblinkstatus", peer, "eth0"],
        ["hblinkstatus", peer, "eth9"],
        ["rscstatus"],
        ["hbparameter", "-p", "keepalive"],
        ["hbparameter", "-p", "deadtime"],
        ["hbparameter", "-p", "udpport"],
        ["hbparameter", "-p", "nosuch"],
        ["hbparameter"],
        ["numnodes"],
        ["bogus"],
    ]


def _mirror(text: str) -> str:
    return re.sub(r"node[12]", lambda m: MIRROR[m.group(0)], text)


def _mirror_out(question: str, text: str) -> str:
    """Node lists are in ha.cf order on every node: mirror the names, keep the order
    (swap the two nodes' entries back)."""
    if not question.startswith("listnodes"):
        return _mirror(text)
    blocks: list[str] = []
    for line in text.splitlines(keepends=True):
        if blocks and (line.startswith("\t") or blocks[-1] == "\n"):
            blocks[-1] += line
        else:
            blocks.append(line)
    return "".join(reversed([_mirror(b) for b in blocks]))


def _answers(run: Callable[[list[str]], subprocess.CompletedProcess[str]], me: str) -> list[Answer]:
    """(question, stdout, exit code, stderr without cl_status's log-line prefix)."""
    out = []
    for q in _questions(me):
        r = run(q)
        for _ in range(3):  # SIGKILLed from outside (seen while other labs run): not an answer
            if r.returncode != -signal.SIGKILL:
                break
            r = run(q)
        out.append((" ".join(q), r.stdout, r.returncode, LOG_PREFIX.sub("", r.stderr)))
    return out


def _diff(mine: list[Answer], theirs: list[Answer]) -> list[tuple[Answer, Answer]]:
    return [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]


def test_installed_cl_status_answers_like_heartbeats(lab: Lab) -> None:
    state = lab.tmpdir / "rsc"
    spec = ClusterSpec(NODES, keepalive_ms=200, deadtime_ms=1000, initdead_ms=5000, media="ucast")
    haresources = "node1 hbtest::one\nnode2 hbtest::two\n"
    h1 = lab.add_host("n1", "192.0.2.11/24")
    h2 = lab.add_host("n2", "192.0.2.12/24")
    hb: HeartbeatNode = lab.add_heartbeat_node(
        h1, "node1", ha_cf=spec.ha_cf(), haresources=haresources, authkeys=AUTHKEYS,
        scripts={"hbtest": _script(f"{state}-hb")},
    )  # fmt: skip
    ours = LabNode(lab, h2, "node2", spec)
    (ours.config_dir / "haresources").write_text(haresources)
    (ours.config_dir / "resource.d").mkdir()
    (ours.config_dir / "resource.d" / "hbtest").write_text(_script(f"{state}-ours"))
    (ours.config_dir / "resource.d" / "hbtest").chmod(0o755)
    prefix = lab.tmpdir / "compat"
    install_compat(prefix, python=sys.executable)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HA_AGENTS_RUN_DIR": str(ours.run_dir)}

    def ours_cl_status(args: list[str]) -> subprocess.CompletedProcess[str]:
        return h2.run([str(prefix / "bin" / "cl_status"), *args], check=False, env=env)

    def hb_cl_status(args: list[str]) -> subprocess.CompletedProcess[str]:
        return hb.cl_status(*args)

    hb.start()
    ours.start()

    def both_local() -> bool:
        return (
            ours_cl_status(["rscstatus"]).stdout == "local\n"
            and hb_cl_status(["rscstatus"]).stdout == "local\n"
            and hb_cl_status(["nodestatus", "node2"]).stdout == "active\n"
        )

    assert wait_until(both_local, 30), (hb.log()[-2000:], ours.log()[-2000:])

    theirs_up = _answers(hb_cl_status, "node1")
    mine_up = [
        (_mirror(q), _mirror_out(q, o), rc, _mirror(e))
        for q, o, rc, e in _answers(ours_cl_status, "node2")
    ]
    assert _diff(mine_up, theirs_up) == []

    # node2 (ours) dies: Heartbeat's answers; then ours after Heartbeat died.
    ours.kill(signal.SIGKILL)
    assert wait_until(lambda: hb_cl_status(["rscstatus"]).stdout == "all\n", 20), hb.log()[-2000:]
    theirs_alone = _answers(hb_cl_status, "node1")
    ours.start()

    def back() -> bool:
        return (
            hb_cl_status(["rscstatus"]).stdout == "local\n"
            and ours_cl_status(["rscstatus"]).stdout == "local\n"
        )

    assert wait_until(back, 30), (hb.log()[-2000:], ours.log()[-2000:])
    hb.kill(signal.SIGKILL)
    h1.link_down()
    assert wait_until(lambda: ours_cl_status(["rscstatus"]).stdout == "all\n", 20), ours.log()
    mine_alone = [
        (_mirror(q), _mirror_out(q, o), rc, _mirror(e))
        for q, o, rc, e in _answers(ours_cl_status, "node2")
    ]
    assert _diff(mine_alone, theirs_alone) == []
