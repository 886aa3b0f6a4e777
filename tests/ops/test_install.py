"""install-compat and install-system lay files out without clobbering the user's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.commands._system import (
    UNIT_DOC,
    examples_dir,
    install_compat,
    install_system,
    unit_text,
)

REPO = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ha_agents", *argv], capture_output=True, text=True, timeout=60
    )


def test_install_compat_writes_scripts_and_keeps_a_real_heartbeat_command(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    foreign = tmp_path / "bin" / "cl_status"
    foreign.write_text("#!/bin/sh\necho real heartbeat\n")
    steps = install_compat(tmp_path, python="/usr/bin/python3")
    assert [s.action.split()[0] for s in steps] == ["kept", "wrote", "wrote"]
    assert foreign.read_text() == "#!/bin/sh\necho real heartbeat\n"
    standby = (tmp_path / "bin" / "hb_standby").read_text()
    assert 'exec "/usr/bin/python3" -m ha_agents.compat hb_standby "$@"' in standby
    install_compat(tmp_path, python="/usr/bin/python3", force=True)
    assert "ha_agents.compat cl_status" in foreign.read_text()


@pytest.mark.parametrize("name", ["hb_standby", "hb_takeover"])
def test_compat_standby_refuses_a_bad_argument_like_heartbeat(tmp_path: Path, name: str) -> None:
    install_compat(tmp_path, python=sys.executable)
    proc = subprocess.run(
        [str(tmp_path / "bin" / name), "bogus"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stdout == f"/usr/share/heartbeat/{name}: wrong resources(bogus).\nusage:\n"
    assert proc.stderr == f"/usr/share/heartbeat/{name} [all|foreign|local|failback]\n"
    proc = subprocess.run(
        [str(tmp_path / "bin" / name), "all", "x"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"/usr/share/heartbeat/{name}: too many arguments\n")


def test_install_system_never_overwrites_and_keeps_authkeys_private(tmp_path: Path) -> None:
    examples = tmp_path / "ex"
    examples.mkdir()
    for name in ("ha.cf", "haresources", "authkeys"):
        (examples / name).write_text(f"# example {name}\n")
    agents = tmp_path / "agents"
    agents.mkdir()
    agent = agents / "myagent"
    agent.write_text("#!/usr/bin/env python3\nprint('hi')\n")
    agent.chmod(0o755)
    root = tmp_path / "root"
    (root / "etc/ha.d").mkdir(parents=True)
    (root / "etc/ha.d/ha.cf").write_text("# the user's own\n")

    steps = install_system(root, examples, agents, python="/opt/py/bin/python3")
    rendered = [s.render() for s in steps]
    assert f"kept: {root}/etc/ha.d/ha.cf" in rendered
    assert (root / "etc/ha.d/ha.cf").read_text() == "# the user's own\n"
    assert (root / "etc/ha.d/authkeys").stat().st_mode & 0o777 == 0o600
    for where in ("usr/lib/ha_agents/resource.d", "usr/lib/ocf/resource.d/ha_agents"):
        installed = root / where / "myagent"
        assert installed.read_text() == "#!/opt/py/bin/python3\nprint('hi')\n"
        assert installed.stat().st_mode & 0o111
    assert (root / "var/lib/heartbeat").is_dir()
    unit = (root / "etc/systemd/system/ha-agents.service").read_text()
    assert "ExecStart=/opt/py/bin/python3 -m ha_agents run" in unit
    assert "Type=notify" in unit
    assert "ExecReload=/opt/py/bin/python3 -m ha_agents reload --run-dir /run/heartbeat" in unit
    assert "$HA_AGENTS_OPTS" in unit and "EnvironmentFile=-/etc/default/ha-agents" in unit
    defaults = (root / "etc/default/ha-agents").read_text()
    assert 'HA_AGENTS_OPTS=""' in defaults
    (root / "etc/default/ha-agents").write_text('HA_AGENTS_OPTS="--hooks-dir /srv/h"\n')
    again = [
        s.render() for s in install_system(root, examples, agents, python="/opt/py/bin/python3")
    ]
    assert f"kept: {root}/etc/default/ha-agents" in again
    assert (root / "etc/default/ha-agents").read_text() == 'HA_AGENTS_OPTS="--hooks-dir /srv/h"\n'


def test_install_system_cli_lays_out_the_repo_examples(tmp_path: Path) -> None:
    proc = _run("install-system", "--root", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote: {tmp_path}/etc/systemd/system/ha-agents.service" in proc.stdout


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="needs systemd-analyze (Debian package systemd; make deps installs it, CI has it)",
)
def test_unit_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    unit = tmp_path / "ha-agents.service"
    unit.write_text(unit_text(f"{sys.executable} -m ha_agents"))
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text().replace("Type=notify", "Type=notifyy"))
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0 or "notifyy" in proc.stderr


def test_install_system_never_installs_the_published_example_key(tmp_path: Path) -> None:
    """The shipped conf/authkeys holds a published key: installed, it gets a new random
    one (and the step says so); the example's ha.cf and haresources come through as is."""
    root = tmp_path / "root"
    steps = [s.render() for s in install_system(root, python="/usr/bin/python3")]
    example = (examples_dir() / "authkeys").read_text()
    installed = (root / "etc/ha.d/authkeys").read_text()
    assert installed != example
    assert [ln for ln in installed.splitlines() if ln.startswith("#")] == [
        ln for ln in example.splitlines() if ln.startswith("#")
    ]
    key = installed.split("1 sha1 ", 1)[1].split()[0]
    assert len(key) == 40 and key not in example
    assert (root / "etc/ha.d/authkeys").stat().st_mode & 0o777 == 0o600
    assert any(s.startswith(f"wrote: {root}/etc/ha.d/authkeys (a new random key") for s in steps), (
        steps
    )
    assert (root / "etc/ha.d/ha.cf").read_text() == (examples_dir() / "ha.cf").read_text()


def test_check_flags_the_published_example_key(tmp_path: Path) -> None:
    d = tmp_path / "conf"
    shutil.copytree(examples_dir(), d)
    (d / "authkeys").chmod(0o600)
    proc = _run("check", "--config-dir", str(d), "--node", "node1", "--remote")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{d}/authkeys:11: warning: HK315 key 1 is the published key" in proc.stdout


def test_install_system_installs_the_file_the_units_documentation_names(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install_system(root, python="/usr/bin/python3")
    unit = (root / "etc/systemd/system/ha-agents.service").read_text()
    doc = next(ln for ln in unit.splitlines() if ln.startswith("Documentation="))
    path = doc.removeprefix("Documentation=file:")
    assert path == UNIT_DOC
    assert (root / path.lstrip("/")).read_text().startswith("# ha_agents\n")


def test_install_system_warns_when_hacluster_cannot_run_the_agents_python(
    tmp_path: Path,
) -> None:
    """An interpreter behind a directory other users cannot enter (pipx as root puts it
    under /root, mode 0700): Pacemaker's controld (user hacluster) cannot read the
    installed OCF agents' meta-data, so the step that writes them says so."""
    shut = tmp_path / "home"
    (shut / "bin").mkdir(parents=True)
    python = shut / "bin" / "python3"
    python.symlink_to(sys.executable)
    shut.chmod(0o700)
    root = tmp_path / "root"
    steps = install_system(root, python=str(python))
    ocf = [s for s in steps if "/usr/lib/ocf/resource.d/ha_agents/" in s.path]
    assert ocf and all(str(shut) in s.note and "hacluster" in s.note for s in ocf)
    opened = install_system(tmp_path / "root2", python="/usr/bin/python3")
    assert not [s for s in opened if s.note.startswith("WARNING")]
