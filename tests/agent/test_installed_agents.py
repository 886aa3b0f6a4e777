"""`install_system` installs our shipped agents (resource.d/IPaddr, httpd, redis), and the
copies work from where they land: their first line names the interpreter, which must
find ha_agents by itself (no checkout next to them, no PYTHONPATH, cwd /)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.commands._system import install_system
from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())
SHIPPED = ("IPaddr", "httpd", "redis")
DTD = Path("/usr/share/resource-agents/ra-api-1.dtd")
# nothing that could point a copy at the checkout; no HA_AGENTS_PYTHON to re-exec with
BARE_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env={**BARE_ENV, **(env or {})},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("installed")
    examples = tmp / "examples"
    examples.mkdir()
    root = tmp / "root"
    install_system(root, examples, AGENTS_DIR, python=sys.executable)
    return {
        "heartbeat": root / "usr/lib/ha_agents/resource.d",
        "ocf": root / "usr/lib/ocf/resource.d/ha_agents",
    }


@pytest.mark.parametrize("where", ["heartbeat", "ocf"])
def test_install_system_installs_every_shipped_agent_naming_our_python(
    installed: dict[str, Path], where: str
) -> None:
    for name in SHIPPED:
        copy = installed[where] / name
        assert copy.is_file() and copy.stat().st_mode & 0o111, f"{copy} not installed"
        assert copy.read_text().splitlines()[0] == f"#!{sys.executable}"
        assert REPO not in copy.resolve().parents


@pytest.mark.skipif(not shutil.which("xmllint") or not DTD.exists(), reason="needs xmllint, DTD")
@pytest.mark.parametrize("name", SHIPPED)
def test_installed_copy_answers_meta_data_from_elsewhere(
    installed: dict[str, Path], name: str
) -> None:
    res = _run([str(installed["ocf"] / name), "meta-data"])
    assert res.returncode == 0, res.stderr
    assert f'<resource-agent name="{name}"' in res.stdout
    check = subprocess.run(
        ["xmllint", "--noout", "--dtdvalid", str(DTD), "-"],
        input=res.stdout,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_installed_ipaddr_runs_actions_that_need_pyroute2(installed: dict[str, Path]) -> None:
    """status (heartbeat-class) and monitor (OCF) read the kernel's addresses through
    pyroute2: the named interpreter has it, so no HA_AGENTS_PYTHON re-exec is needed.
    192.0.2.231 (TEST-NET-1) is configured nowhere on this host: stopped."""
    ipaddr = str(installed["heartbeat"] / "IPaddr")
    res = _run([ipaddr, "192.0.2.231/24", "status"])
    assert (res.returncode, res.stdout) == (3, "stopped\n"), res.stderr
    res = _run([ipaddr, "monitor"], {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESKEY_ip": "192.0.2.231"})
    assert res.returncode == 7, res.stderr
    res = _run([ipaddr, "validate-all"], {"OCF_ROOT": "/usr/lib/ocf"})
    assert res.returncode == 6 and "ip" in res.stderr  # required parameter missing


def test_installed_httpd_reports_a_missing_server_cleanly(installed: dict[str, Path]) -> None:
    httpd = str(installed["ocf"] / "httpd")
    env = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESKEY_server": "nosuchserver"}
    res = _run([httpd, "validate-all"], env)
    assert res.returncode == 6 and "unknown web server" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
