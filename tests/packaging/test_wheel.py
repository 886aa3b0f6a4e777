"""The wheel and the sdist hold exactly the product, and the wheel works once installed
into a fresh venv outside the checkout (the checkout never on sys.path): --version,
check, install-system, test-agent in a netns, and a two-node failover run only by the
installed ``ha-agents`` (the lab honours HA_AGENTS_BIN)."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.lab import Host, Lab, wait_until
from tests.lab.cluster import ClusterSpec, start_ha_agents, vip_holders
from tests.packaging import artifacts
from tests.packaging.artifacts import REPO, clean_env

DATA = {
    "ha_agents/py.typed",
    "ha_agents/data/ha-agents.service",
    "ha_agents/data/ha-agents.default",
    "ha_agents/agents/resource.d/IPaddr",
    "ha_agents/agents/resource.d/httpd",
    "ha_agents/agents/resource.d/redis",
    "ha_agents/examples/ha.cf",
    "ha_agents/examples/haresources",
    "ha_agents/examples/authkeys",
}


def ha(
    venv: Path, *args: str, cwd: str = "/", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "ha-agents"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        timeout=timeout,
        check=False,
    )


def test_wheel_modules_equal_the_source_trees_modules(wheel: Path) -> None:
    """A package directory left out (a missing __init__.py) can never ship again."""
    assert artifacts.wheel_modules(wheel) == artifacts.source_modules()


def test_wheel_holds_the_agents_examples_and_unit_and_nothing_else(wheel: Path) -> None:
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        names = {n for n in z.namelist() if not n.startswith("ha_agents-")}
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert names - artifacts.wheel_modules(wheel) == DATA
    for agent in ("IPaddr", "httpd", "redis"):
        assert modes[f"ha_agents/agents/resource.d/{agent}"] & 0o111, agent


def test_sdist_holds_the_product_and_no_tests_lab_or_benches(built: Path) -> None:
    sdist = built / f"ha_agents-{artifacts.version()}.tar.gz"
    with tarfile.open(sdist) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    top = {n.split("/", 1)[0] for n in names}
    assert top == {"ha_agents", "ha_agents.egg-info", "README.md", "PKG-INFO", "setup.cfg"} | {
        "pyproject.toml"
    }
    assert {n for n in names if n.endswith(".py")} == artifacts.source_modules()


def test_installed_wheel_runs_from_the_venv_not_the_checkout(venv: Path) -> None:
    got = ha(venv, "--version")
    assert got.returncode == 0 and got.stdout.strip() == f"ha-agents {artifacts.version()}"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import ha_agents; print(ha_agents.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        env=clean_env(),
        timeout=60,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(venv)) and not where.startswith(str(REPO))


def test_installed_check_on_a_copy_of_conf_names_the_installed_agents(
    venv: Path, tmp_path: Path
) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "authkeys").chmod(0o600)
    got = ha(venv, "check", "--config-dir", str(conf), "--node", "node1", "--remote")
    assert got.returncode == 0, got.stdout + got.stderr
    site = next(venv.glob("lib/python3*/site-packages"))
    ours = f"{site}/ha_agents/agents/resource.d"
    assert f"'IPaddr::192.0.2.50/24' runs {ours}/IPaddr (" in got.stdout, got.stdout
    assert f"'httpd' runs {ours}/httpd (" in got.stdout
    assert "HK315" in got.stdout  # the example's published key is flagged


def test_installed_install_system_lays_out_the_shipped_examples_and_agents(
    venv: Path, tmp_path: Path
) -> None:
    got = ha(venv, "install-system", "--root", str(tmp_path))
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "etc/ha.d/haresources").read_text() == (
        REPO / "conf/haresources"
    ).read_text()
    assert (tmp_path / "usr/share/doc/ha-agents/README.md").is_file()
    ipaddr = tmp_path / "usr/lib/ha_agents/resource.d/IPaddr"
    assert ipaddr.read_text().splitlines()[0].startswith(f"#!{venv}/bin/python")
    meta = subprocess.run(
        [str(ipaddr), "meta-data"], capture_output=True, text=True, cwd="/", env=clean_env(),
        timeout=60, check=False,
    )  # fmt: skip
    assert meta.returncode == 0 and '<resource-agent name="IPaddr"' in meta.stdout


@pytest.mark.netns
def test_installed_test_agent_ipaddr_in_a_netns(venv: Path) -> None:
    with Lab("pw") as lab:
        host = lab.add_host("n1", "192.0.2.11/24")
        got = host.run(
            [str(venv / "bin" / "ha-agents"), "test-agent", "IPaddr::192.0.2.50/24/eth0"],
            check=False,
            timeout=120,
            env=clean_env(),
        )
        assert got.returncode == 0, got.stdout + got.stderr
        assert host.addresses("eth0") == ["192.0.2.11/24"]  # stopped again


def client_reaches(lab: Lab, holder: Host, vip: str) -> bool:
    """A client on the segment pings the VIP and learns the holder's MAC for it."""
    client = lab.add_client("c", "192.0.2.100/24")
    if client.run(["ping", "-c", "1", "-W", "2", vip], check=False, timeout=10).returncode:
        return False
    neigh = client.run(["ip", "neigh", "show", vip], check=False, timeout=5).stdout
    mac = holder.run(["cat", "/sys/class/net/eth0/address"], timeout=5).stdout.strip()
    return mac in neigh


@pytest.mark.netns
def test_installed_two_node_failover_in_namespaces(
    venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lab's two-node cluster driven only by the venv's ha-agents: the VIP comes up on
    node1, and moves to node2 when node1 loses power."""
    monkeypatch.setenv("HA_AGENTS_BIN", str(venv / "bin" / "ha-agents"))
    spec = ClusterSpec({"node1": "192.0.2.11", "node2": "192.0.2.12"}, initdead_ms=2000)
    with Lab("pf") as lab:
        h1, h2 = lab.add_host("n1", "192.0.2.11/24"), lab.add_host("n2", "192.0.2.12/24")
        n1, n2 = start_ha_agents(lab, h1, "node1", spec), start_ha_agents(lab, h2, "node2", spec)
        for node in (n1, n2):
            cmd = Path(f"/proc/{node.pids()[0]}/cmdline").read_bytes().split(b"\0")
            assert any(str(venv).encode() in part for part in cmd), cmd
        assert wait_until(lambda: vip_holders([h1, h2], spec.vip) == ["n1"], 30), n1.log()
        n1.kill()  # power loss: the daemon is gone, its cable with it
        h1.link_down()
        assert wait_until(lambda: "n2" in vip_holders([h1, h2], spec.vip), 15), n2.log()
        assert client_reaches(lab, h2, spec.vip)
