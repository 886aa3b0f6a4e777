"""Every valid config of the test corpus, exported through the CLI and checked by the real
tools: crm_verify (CIB), corosync -t (corosync.conf, in a lab namespace), keepalived -t.

Corpus: tests/data/configs/**/ (the config engineer's, when present) and tests/export/data/*.
A corpus case is used when real Heartbeat 3.0.6 accepted it (its ground-truth
expected.json, recorded by tools/groundtruth.py); our loader must then accept it too.
corosync -t needs at most two links (the lab helper gives node1 an address on each).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ha_agents.cli import main
from ha_agents.config import load
from tests.config.corpus import groundtruth_module

from .verify import (
    corosync_t,
    crm_verify,
    keepalived_t,
    needs_corosync,
    needs_crm_verify,
    needs_keepalived,
)

TESTS = Path(__file__).resolve().parents[1]


def _heartbeat_accepted(case: Path) -> bool:
    expected = case / "expected.json"
    if not expected.is_file():
        return False
    return bool(json.loads(expected.read_text(encoding="utf-8")).get("accepted"))


def _case_node(case: Path) -> str | None:
    expected = case / "expected.json"
    if expected.is_file():
        node = json.loads(expected.read_text(encoding="utf-8")).get("node")
        return str(node) if node else None
    return None


DIRS = sorted(
    {
        p.parent
        for p in (TESTS / "data" / "configs").glob("**/ha.cf")
        if _heartbeat_accepted(p.parent)
    }
    | {p.parent for p in (TESTS / "export" / "data").glob("*/ha.cf")}
)


def _copy(src: Path, tmp: Path) -> Path:
    dst = tmp / "ha.d"
    if (src / "case.json").is_file():  # a ground-truthed case: lay it out as Heartbeat saw it
        dst.mkdir()
        groundtruth_module().materialise(src, dst)
        return dst
    shutil.copytree(src, dst)
    keys = dst / "authkeys"
    if keys.exists():
        keys.chmod(0o600)  # git does not keep the mode Heartbeat insists on
    return dst


def _load(src: Path, tmp: Path):  # type: ignore[no-untyped-def]
    conf = _copy(src, tmp)
    nodes_line = [
        w
        for line in (conf / "ha.cf").read_text(errors="replace").splitlines()
        if line.split()[:1] == ["node"]
        for w in line.replace(",", " ").split()[1:]
    ]
    node = _case_node(src) or (nodes_line[0] if nodes_line else "node1")
    cfg, diags = load.load_config(str(conf), node)
    errors = [d.render() for d in diags if d.severity.value == "error"]
    assert cfg is not None and not errors, f"{src.name}: Heartbeat accepts it, we refuse: {errors}"
    return conf, cfg


def _node_args(cfg) -> list[str]:  # type: ignore[no-untyped-def]
    args = []
    for i, node in enumerate(cfg.hacf.nodes):
        args += ["--node-address", f"{node}=192.0.2.{11 + i},198.51.100.{11 + i}"]
    return args


def _export(conf: Path, cfg, out: Path, *extra: str) -> None:  # type: ignore[no-untyped-def]
    argv = ["--config-dir", str(conf), "--node", cfg.local_node, *_node_args(cfg)]
    assert main(["export", *extra, *argv, "--output-dir", str(out)]) == 0


@pytest.fixture(params=DIRS, ids=[d.name for d in DIRS])
def corpus(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    return _load(request.param, tmp_path)


@needs_crm_verify
def test_corpus_cib_passes_crm_verify(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf, cfg = corpus
    out = tmp_path / "out"
    _export(conf, cfg, out, "pacemaker", "--format", "cib")
    cp = crm_verify((out / "cib.xml").read_text(), tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_corosync
@pytest.mark.netns
def test_corpus_corosync_conf_passes_corosync_t(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf, cfg = corpus
    out = tmp_path / "out"
    _export(conf, cfg, out, "pacemaker")
    text = (out / "corosync.conf").read_text()
    if "ring2_addr" in text:
        pytest.skip("more than two links: the lab helper gives addresses on two")
    cp = corosync_t(text, tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


def test_corpus_crmsh_and_pcs_written(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf, cfg = corpus
    _export(conf, cfg, tmp_path / "c", "pacemaker", "--format", "crmsh")
    _export(conf, cfg, tmp_path / "p", "pacemaker", "--format", "pcs")
    crm = (tmp_path / "c" / "crm.txt").read_text()
    pcs = (tmp_path / "p" / "pcs.sh").read_text()
    for line in crm.splitlines():
        if line.startswith("group "):
            gid = line.split()[1]
            assert f"\nlocation loc_{gid}_prefers_" in crm
            assert f" --group {gid}" in pcs
    assert pcs.rstrip().endswith('pcs cluster cib-push "$CIB" --config')


@needs_keepalived
def test_corpus_keepalived_passes_keepalived_t(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf, cfg = corpus
    out = tmp_path / "out"
    _export(conf, cfg, out, "keepalived")
    for node in cfg.hacf.nodes:
        cp = keepalived_t((out / f"keepalived-{node}.conf").read_text(), tmp_path, f"{node}.conf")
        assert cp.returncode == 0, cp.stdout + cp.stderr
