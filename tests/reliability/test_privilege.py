"""Privilege and injection guards: authkeys readable by others is refused, resource
arguments never reach a shell (CLI and the daemon's executor), and a config file that is
a symlink to a world-writable file is refused by check and run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.config.load import load_config
from ha_agents.config.model import Location, ResourceGroup, ResourceSpec
from ha_agents.daemon.executor import FailoverExecutor
from ha_agents.daemon.logsetup import HbLog
from ha_agents.failover.actions import AcquireGroup
from ha_agents.failover.events import GroupDone

from .forge import REPO
from .localdaemon import write_config

ECHO = """#!/bin/sh
# record every argument, one per line, exactly as received
for a in "$@"; do printf '%s\\n' "$a" >> {log}; done
exit 0
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def hostile_args(tmp: Path) -> list[str]:
    """Arguments a shell would execute; none may contain whitespace (haresources)."""
    pwned = tmp / "pwned"
    return [
        f"$(touch${{IFS}}{pwned}-1)",
        f"`touch${{IFS}}{pwned}-2`",
        f";touch${{IFS}}{pwned}-3",
        f"|touch${{IFS}}{pwned}-4",
        f"&&touch${{IFS}}{pwned}-5",
        f">{pwned}-6",
        "*",
    ]


def calls(log: Path, nargs: int) -> list[tuple[list[str], str]]:
    """The script's invocations: (arguments, operation) each."""
    lines = log.read_text().splitlines()
    step = nargs + 1
    return [(lines[i : i + nargs], lines[i + nargs]) for i in range(0, len(lines), step)]


def echo_agent(conf: Path, tmp: Path) -> Path:
    log = tmp / "args.log"
    rd = conf / "resource.d"
    rd.mkdir(exist_ok=True)
    (rd / "argecho").write_text(ECHO.format(log=log))
    (rd / "argecho").chmod(0o755)
    return log


def test_resource_arguments_stay_literal_through_the_cli(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "etc", 20694)
    log = echo_agent(conf, tmp_path)
    args = hostile_args(tmp_path)
    r = cli("resource", "--config-dir", str(conf), "start", "::".join(["argecho", *args]))
    assert r.returncode == 0, r.stderr
    assert calls(log, len(args)) == [(args, "status"), (args, "start")]
    assert not list(tmp_path.glob("pwned*")), "a shell ran the arguments"


def test_resource_arguments_stay_literal_through_the_daemon_executor(tmp_path: Path) -> None:
    """The executor ``ha-agents run`` uses (failover_io) on a haresources group."""
    conf = write_config(tmp_path / "etc", 20694)
    log = echo_agent(conf, tmp_path)
    args = hostile_args(tmp_path)
    config, diags = load_config(str(conf), "node1")
    assert config is not None, diags
    loc = Location(str(conf / "haresources"), 1)
    text = "::".join(["argecho", *args])
    group = ResourceGroup("node1", (ResourceSpec("argecho", tuple(args), text, loc),), loc)
    config = type(config)(config.config_dir, config.hacf, config.authkeys, (group,), "node1")
    hblog = HbLog("node1", str(tmp_path / "ha-log"))
    done: list[object] = []

    async def run() -> None:
        ex = FailoverExecutor(config, hblog)
        ex.execute(AcquireGroup(group.key, "test"), done.append)
        for _ in range(200):
            if done:
                break
            await asyncio.sleep(0.05)
        await ex.close()

    try:
        asyncio.run(run())
    finally:
        hblog.close()
    assert done and isinstance(done[0], GroupDone) and done[0].ok, done
    lines = log.read_text().splitlines()
    assert [*args, "status"] == lines[: len(args) + 1] or [*args, "start"] == lines[
        -len(args) - 1 :
    ]
    assert all(line in ("status", "start", *args) for line in lines), lines
    assert not list(tmp_path.glob("pwned*")), "a shell ran the arguments"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_authkeys_readable_by_others_is_refused_by_check_and_run(tmp_path: Path, mode: int) -> None:
    conf = write_config(tmp_path / "etc", 20694)
    os.chmod(conf / "authkeys", mode)
    r = cli("check", "--config-dir", str(conf), "--node", "node1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "authkeys:" in r.stdout + r.stderr
    r = cli(
        "run", "--config-dir", str(conf), "--node", "node1",
        "--state-dir", str(tmp_path / "state"), "--run-dir", str(tmp_path / "run"),
    )  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "state" / "hb_generation").exists()


@pytest.mark.parametrize("name", ["ha.cf", "haresources", "authkeys"])
def test_a_config_file_symlinked_to_a_world_writable_file_is_refused(
    tmp_path: Path, name: str
) -> None:
    """Anyone could rewrite the cluster's config (or keys) through such a link."""
    conf = write_config(tmp_path / "etc", 20694)
    target = tmp_path / "elsewhere" / name
    target.parent.mkdir()
    target.write_bytes((conf / name).read_bytes())
    os.chmod(target, 0o666)
    (conf / name).unlink()
    (conf / name).symlink_to(target)
    r = cli("check", "--config-dir", str(conf), "--node", "node1")
    assert r.returncode == 1, (name, r.stdout, r.stderr)
    assert f"{name}:" in r.stdout + r.stderr
    r = cli(
        "run", "--config-dir", str(conf), "--node", "node1",
        "--state-dir", str(tmp_path / "state"), "--run-dir", str(tmp_path / "run"),
    )  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "state" / "hb_generation").exists()


def test_a_world_writable_config_file_itself_is_refused(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "etc", 20694)
    os.chmod(conf / "ha.cf", 0o666)
    r = cli("check", "--config-dir", str(conf), "--node", "node1")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "ha.cf:" in r.stdout + r.stderr
