"""`ha-agents check` agrees with real Heartbeat 3.0.6 on every corpus case.

The verdicts in tests/data/configs/*/expected.json were recorded by tools/groundtruth.py
running the real daemon; nothing here is a hand-written verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.config.crosscheck import TWO_NODE_RESOURCES
from ha_agents.config.diagnostics import Diagnostic, Severity
from ha_agents.config.load import load_config

from .corpus import REPO, GroundTruthHost, cases, expected, groundtruth_module
from .heartbeat_errors import blame

CASES = cases()


def _materialised(case: Path, tmp_path: Path) -> Path:
    d = tmp_path / case.name
    d.mkdir()
    groundtruth_module().materialise(case, d)
    return d


def _node_arg(case: Path) -> str:
    """The hostname Heartbeat ran with (a nodeinfo file in the case wins over it)."""
    return str(groundtruth_module().case_node(case))


def test_corpus_is_big_enough() -> None:
    named = [c for c in CASES if c.parent.name == "configs"]
    assert len(named) >= 60
    assert len(CASES) >= 500
    verdicts = [expected(c)["accepted"] for c in CASES]
    assert verdicts.count(True) >= 20 and verdicts.count(False) >= 20


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_check_agrees_with_heartbeat(case: Path, tmp_path: Path) -> None:
    want = expected(case)
    d = _materialised(case, tmp_path)
    # Heartbeat's verdict: HR209 (haresources on 3+ nodes) is ha_agents' own refusal
    cfg, diags = load_config(
        str(d),
        _node_arg(case),
        extensions=False,
        host=GroundTruthHost(),
        tolerate=frozenset({TWO_NODE_RESOURCES}),
    )
    errors = [x.render() for x in diags if x.severity is Severity.ERROR]
    log = "\n  ".join(str(x) for x in want["log"] if "ERROR" in str(x) or "rror" in str(x))
    if want["accepted"]:
        assert cfg is not None, "Heartbeat accepted it; we said:\n  " + "\n  ".join(errors)
    else:
        assert cfg is None, f"Heartbeat refused it ({want['heartbeat_exit']}):\n  {log}"
        assert errors, "refused without an error diagnostic"
        _same_place(d, want["log"], diags)  # type: ignore[arg-type]
    assert all(x.line >= 1 and x.path.startswith(str(d)) for x in diags)
    assert not any(x.code == "HX499" for x in diags), "internal error"


def _same_place(conf: Path, log: list[object], diags: list[Diagnostic]) -> None:
    """Our refusal points where Heartbeat's does: an error in a file one of its ERROR
    lines names, on a line holding the value that line names (where it names one)."""
    places = blame(log)
    if not places:
        return
    errors = [x for x in diags if x.severity is Severity.ERROR]
    assert any(_agrees(conf, name, value, errors) for name, value in places), (
        f"Heartbeat blamed {places}; our errors: {[x.render() for x in errors]}"
    )


def _agrees(conf: Path, name: str, value: str | None, errors: list[Diagnostic]) -> bool:
    here = [x for x in errors if Path(x.path).name == name]
    if not here:
        return False
    path = conf / name
    lines = path.read_bytes().decode("utf-8", "replace").split("\n") if path.is_file() else []
    if not value or not value.strip() or not any(value in line for line in lines):
        return True  # Heartbeat names the file only (or a value the file spells otherwise)
    return any(1 <= x.line <= len(lines) and value in lines[x.line - 1] for x in here)


CLI_CASES = ["classic_bcast", "keepalive_case", "ak_0644", "hr_bad_node", "missing_hacf"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_exit_code_and_lines(name: str, tmp_path: Path) -> None:
    case = REPO / "tests" / "data" / "configs" / name
    d = _materialised(case, tmp_path)
    rel = os.path.relpath(d, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ha_agents", "check", "--config-dir", rel, "--node", "node1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    want = expected(case)
    assert proc.returncode == (0 if want["accepted"] else 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for line in proc.stdout.splitlines():
        # FILE as given (relative), LINE, severity, code
        assert line.startswith(f"{rel}/"), line
        loc, sev, _text = line.split(": ", 2)
        assert loc.rsplit(":", 1)[1].isdigit()
        assert sev in ("error", "warning", "note")  # note: HR290, where a resource runs
    if not want["accepted"]:
        assert any(": error: " in x for x in proc.stdout.splitlines())


def test_cli_json_document(tmp_path: Path) -> None:
    d = _materialised(REPO / "tests" / "data" / "configs" / "classic_bcast", tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ha_agents",
            "check",
            "--config-dir",
            str(d),
            "--node",
            "node1",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["ok"] is True
    assert doc["config"]["hacf"]["nodes"] == ["node1", "node2"]
    assert doc["config"]["hacf"]["keepalive_ms"] == 2000
    key = doc["config"]["authkeys"]["keys"]["1"]["key"]
    assert "9f3c1b7e" not in json.dumps(doc) and "not shown" in key
    assert all(
        {"file", "line", "severity", "code", "message"} <= set(x) for x in doc["diagnostics"]
    )


def test_cli_usage_error_exits_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ha_agents", "check", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
