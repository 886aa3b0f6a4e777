"""--peer-config-dir: differences between two nodes' files that break the cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.config.crosscheck import TWO_NODE_RESOURCES
from ha_agents.config.host import StaticHost
from ha_agents.config.load import load_config
from ha_agents.config.model import ClusterConfig
from ha_agents.config.peer import compare

REPO = Path(__file__).resolve().parents[2]
HOST = StaticHost(executables=frozenset({f"{REPO}/resource.d/IPaddr", f"{REPO}/resource.d/httpd"}))


def _node_dir(tmp_path: Path, name: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    for f in ("ha.cf", "haresources", "authkeys"):
        shutil.copyfile(REPO / "conf" / f, d / f)
    (d / "authkeys").chmod(0o600)
    return d


def _load(d: Path, node: str) -> ClusterConfig:
    # a third node with conf/'s haresources is HR209: not what these cases compare
    cfg, diags = load_config(str(d), node, host=HOST, tolerate=frozenset({TWO_NODE_RESOURCES}))
    assert cfg is not None, [x.render() for x in diags]
    return cfg


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_identical_example_files_have_no_differences(tmp_path: Path) -> None:
    a, b = _node_dir(tmp_path, "a"), _node_dir(tmp_path, "b")
    assert compare(_load(a, "node1"), _load(b, "node2")) == []


@pytest.mark.parametrize(
    "file,old,new,code,line",
    [
        ("authkeys", "1 sha1 ", "1 sha1 x", "HP501", None),
        ("ha.cf", "node            node2", "node            node2\nnode node3", "HP502", None),
        ("ha.cf", "udpport         694", "udpport         695", "HP504", None),
        ("ha.cf", "deadtime        1", "deadtime        2", "HP503", None),
        ("ha.cf", "auto_failback   on", "auto_failback   off", "HP507", None),
        (
            "haresources",
            "node1 IPaddr::192.0.2.50/24 httpd",
            "node1 IPaddr::192.0.2.51/24 httpd",
            "HP509",
            None,
        ),
        (
            "ha.cf",
            "ucast           eth0 192.0.2.11\nucast           eth0 192.0.2.12",
            "mcast eth0 233.252.0.1 694 1 0",
            "HP505",
            None,
        ),
    ],
)
def test_peer_difference_is_reported(
    tmp_path: Path, file: str, old: str, new: str, code: str, line: int | None
) -> None:
    a, b = _node_dir(tmp_path, "a"), _node_dir(tmp_path, "b")
    _edit(b / file, old, new)
    diags = compare(_load(a, "node1"), _load(b, "node2"))
    assert code in [d.code for d in diags], [d.render() for d in diags]
    # blamed in this node's files, at a real line
    assert all(d.path.startswith(str(a)) and d.line >= 1 for d in diags)


def test_cli_peer_mismatch_exits_1(tmp_path: Path) -> None:
    a, b = _node_dir(tmp_path, "a"), _node_dir(tmp_path, "b")
    _edit(b / "authkeys", "1 sha1 ", "1 sha1 y")
    base = [sys.executable, "-m", "ha_agents", "check", "--config-dir", str(a), "--node", "node1"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    same = subprocess.run(
        [*base, "--remote", "--peer-config-dir", str(a)], capture_output=True, text=True, env=env
    )
    assert same.returncode == 0, same.stdout + same.stderr
    diff = subprocess.run(
        [*base, "--remote", "--peer-config-dir", str(b)], capture_output=True, text=True, env=env
    )
    assert diff.returncode == 1
    assert f"{a}/authkeys:" in diff.stdout and "HP501" in diff.stdout
    assert "both sign with key 1 (sha1) but the secrets differ" in diff.stdout
    assert "would start each node, but the two would not form one cluster" in diff.stderr
