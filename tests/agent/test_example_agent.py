"""The agent `ha-agents new-agent` writes works out of the box in every convention."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.agent.testing import (
    OCF_TESTER,
    Convention,
    check_lifecycle,
    check_meta_data,
    invoke,
    run_ocf_tester,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("convention", list(Convention), ids=lambda c: c.value)
def test_example_lifecycle(convention: Convention, example_agent: Path, agent_dir: Path) -> None:
    params = {"state_dir": str(agent_dir / "state")}
    check_lifecycle(example_agent, convention, params, workdir=agent_dir)


def test_example_heartbeat_positional_argument(example_agent: Path, agent_dir: Path) -> None:
    state = agent_dir / "state"
    res = invoke(example_agent, Convention.HEARTBEAT, "start", args=[str(state)])
    assert res.rc == 0
    assert [p.name for p in state.iterdir()] == [f"example_{str(state).replace('/', '_')}.state"]


def test_example_rejects_relative_state_dir(example_agent: Path) -> None:
    res = invoke(example_agent, Convention.OCF, "validate-all", {"state_dir": "relative"})
    assert res.rc == 6 and "absolute" in res.stderr


@pytest.mark.skipif(not shutil.which("xmllint"), reason="needs xmllint (libxml2-utils)")
def test_example_meta_data_validates(example_agent: Path) -> None:
    check_meta_data(example_agent)


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(OCF_TESTER), reason="needs root and ocf-tester"
)
def test_example_passes_ocf_tester(example_agent: Path, agent_dir: Path) -> None:
    result = run_ocf_tester(example_agent, {"state_dir": str(agent_dir / "state")}, "example1")
    print(result.stdout + result.stderr)  # the ocf-tester transcript, kept in the test log
    assert result.rc == 0, result.stdout + result.stderr


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_new_agent_command_writes_agent_and_passing_test(agent_dir: Path) -> None:
    res = _cli("new-agent", "my-app", "--dir", str(agent_dir / "out"), cwd=agent_dir)
    assert res.returncode == 0, res.stderr
    agent = agent_dir / "out" / "my-app"
    assert agent.stat().st_mode & 0o777 == 0o755
    assert agent.read_text().startswith(f"#!{sys.executable}\n")
    assert "class MyApp(Agent):" in agent.read_text()
    test = agent_dir / "out" / "test_my_app.py"
    # The generated test passes as generated (its full run, ocf-tester included, is in
    # test_docs.py); here its lifecycle under OCF and the meta-data check.
    select = "lifecycle and ocf or meta_data"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", select, str(test)],
        cwd=agent_dir / "out",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout, run.stdout


def test_new_agent_refuses_bad_name_and_existing_files(agent_dir: Path) -> None:
    bad = _cli("new-agent", "../evil", "--dir", str(agent_dir), cwd=agent_dir)
    assert bad.returncode == 2 and "invalid name" in bad.stderr and "Traceback" not in bad.stderr
    assert _cli("new-agent", "app", "--dir", str(agent_dir), cwd=agent_dir).returncode == 0
    again = _cli("new-agent", "app", "--dir", str(agent_dir), cwd=agent_dir)
    assert again.returncode == 1 and "exists" in again.stderr
    assert (
        _cli("new-agent", "app", "--dir", str(agent_dir), "--force", cwd=agent_dir).returncode == 0
    )
