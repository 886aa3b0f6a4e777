"""failover.cf parsing, and the standby/takeover command lines (argument checks as
hb_standby/hb_takeover; exit 3 without a daemon)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ha_agents.cli import main
from ha_agents.config.failovercf import FailoverOptions, parse_options


def test_options_file_sets_fencing() -> None:
    text = "# fencing\nfence_command /usr/sbin/fence --hard 'x y'\nfence_retry 2.5\n\n"
    opts, diags = parse_options(text, "failover.cf")
    assert diags == []
    assert opts == FailoverOptions(
        fence_command=("/usr/sbin/fence", "--hard", "x y"), fence_retry_s=2.5
    )


def test_options_file_errors_point_at_the_line() -> None:
    opts, diags = parse_options("fence_tmeout 3\nfence_retry -1\nfence_command\n", "f.cf")
    assert [(d.line, d.code) for d in diags] == [(1, "HF601"), (2, "HF603"), (3, "HF602")]
    assert diags[0].render() == "f.cf:1: error: HF601 unknown directive 'fence_tmeout'"
    assert opts == FailoverOptions()


@pytest.mark.parametrize("cmd", ["standby", "takeover"])
def test_wrong_word_is_refused_like_hb_standby(
    cmd: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main([cmd, "--run-dir", str(tmp_path), "bogus"]) == 1
    out, err = capsys.readouterr()
    assert out == f"ha-agents {cmd}: wrong resources(bogus).\nusage:\n"
    assert err == f"ha-agents {cmd} [all|foreign|local|failback]\n"
    assert main([cmd, "--run-dir", str(tmp_path), "all", "local"]) == 1
    assert "too many arguments" in capsys.readouterr().out


def test_standby_without_a_daemon_exits_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["standby", "--run-dir", str(tmp_path), "failback"]) == 3
    assert "the daemon is not running" in capsys.readouterr().err
