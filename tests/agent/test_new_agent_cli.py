"""`ha-agents new-agent` warns when ocf-tester (user nobody) could not run what it wrote."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.cli import main


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A directory everyone can enter (pytest's own tmp_path is under a 0700 one)."""
    path = Path(tempfile.mkdtemp(prefix="ha-new-agent-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _open_dir(path: Path) -> Path:
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    return path


def test_new_agent_warns_about_a_python_behind_a_closed_directory(
    open_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = open_tmp
    private = tmp_path / "root"
    private.mkdir(mode=0o700)
    private.chmod(0o700)  # like /root, where a venv's python often lives
    (private / "python3").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    work = _open_dir(tmp_path / "work")
    argv = ["new-agent", "myapp", "--dir", str(work), "--python", str(private / "python3")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert (
        f"the Python of its first line, {private}/python3, is inside {private} (mode 0700)" in err
    )
    assert "user nobody" in err and "the agent," not in err


def test_new_agent_warns_about_an_agent_in_a_closed_directory(
    open_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = open_tmp
    work = tmp_path / "home"
    work.mkdir(mode=0o700)
    work.chmod(0o700)
    assert main(["new-agent", "myapp", "--dir", str(work), "--python", "/usr/bin/python3"]) == 0
    err = capsys.readouterr().err
    assert f"the agent, {work}/myapp, is inside {work} (mode 0700)" in err


def test_new_agent_is_quiet_when_everyone_can_run_it(
    open_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = open_tmp
    work = _open_dir(tmp_path / "srv")
    assert main(["new-agent", "myapp", "--dir", str(work), "--python", "/usr/bin/python3"]) == 0
    assert "warning" not in capsys.readouterr().err
