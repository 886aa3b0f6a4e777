"""Our resource.d/IPaddr and resource.d/httpd, on the SDK (code in ha_agents/agents/):
all three conventions and ocf-tester, for real (IPaddr adds the address in a network
namespace; httpd runs lighttpd)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agent.install import install_agent
from ha_agents.agent.testing import (
    OCF_TESTER,
    Convention,
    check_lifecycle,
    check_meta_data,
    clean_env,
    invoke,
)
from ha_agents.config.search import package_agents_dir
from tests.lab import Host, Lab

ENTRIES = Path(package_agents_dir())
IPADDR, HTTPD = ENTRIES / "IPaddr", ENTRIES / "httpd"
# The entry scripts start as `#!/usr/bin/env python3` and re-exec with this when that
# Python lacks pyroute2 (ha_agents sets it for the scripts it runs).  With this
# interpreter's directory first in PATH no re-exec is needed (ocf-tester's `su nobody`
# resets PATH: meta-data then runs with the system python3, from the checkout).
ENV = {
    "HA_AGENTS_PYTHON": sys.executable,
    "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
}


@pytest.mark.parametrize("agent", [IPADDR, HTTPD], ids=lambda p: p.name)
@pytest.mark.skipif(not shutil.which("xmllint"), reason="needs xmllint")
def test_ported_meta_data_validates(agent: Path) -> None:
    check_meta_data(agent)


@pytest.fixture
def fast(agent_dir: Path) -> dict[str, Path]:
    """Copies naming this interpreter (no `env python3` + re-exec per call): quicker."""
    return {p.name: install_agent(p, agent_dir / p.name, sys.executable) for p in (IPADDR, HTTPD)}


@pytest.fixture
def host() -> Iterator[Host]:
    with Lab("sdkip") as lab:
        yield lab.add_host("a", "192.0.2.11/24")


def _addresses(host: Host) -> str:
    return host.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout


@pytest.mark.netns
@pytest.mark.parametrize("convention", list(Convention), ids=lambda c: c.value)
def test_ported_ipaddr_lifecycle(convention: Convention, host: Host, agent_dir: Path) -> None:
    prefix = host.argv([])
    if convention is Convention.HEARTBEAT:
        check_lifecycle(IPADDR, convention, args=["192.0.2.51/24/eth0"], env=ENV, prefix=prefix)
    else:
        params = {"ip": "192.0.2.51", "cidr_netmask": "24"}
        check_lifecycle(IPADDR, convention, params, workdir=agent_dir, env=ENV, prefix=prefix)
    res = invoke(IPADDR, Convention.OCF, "start", {"ip": "192.0.2.51"}, env=ENV, prefix=prefix)
    assert res.rc == 0, res.stderr
    assert "192.0.2.51/24" in _addresses(host) and "eth0:0" in _addresses(host)
    res = invoke(IPADDR, Convention.HEARTBEAT, "stop", args=["192.0.2.51"], env=ENV, prefix=prefix)
    assert res.rc == 0 and "192.0.2.51" not in _addresses(host)


@pytest.mark.netns
@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(OCF_TESTER), reason="needs root and ocf-tester"
)
def test_ported_ipaddr_passes_ocf_tester(host: Host) -> None:
    argv = host.argv([OCF_TESTER, "-n", "ip1", "-o", "ip=192.0.2.52", str(IPADDR)])
    res = subprocess.run(
        argv,
        env=clean_env({"OCF_ROOT": "/usr/lib/ocf", **ENV}),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    print(res.stdout + res.stderr)
    assert res.returncode == 0 and "passed all tests" in res.stdout, res.stdout + res.stderr


@pytest.fixture
def lighttpd(agent_dir: Path, free_port: int) -> Iterator[dict[str, str]]:
    if not shutil.which("lighttpd"):
        pytest.skip("needs lighttpd")
    (agent_dir / "www").mkdir()
    (agent_dir / "www" / "index.html").write_text("hello\n")
    conf = agent_dir / "lighttpd.conf"
    conf.write_text(
        f'server.document-root = "{agent_dir}/www"\nserver.port = {free_port}\n'
        f'server.bind = "127.0.0.1"\nserver.errorlog = "{agent_dir}/error.log"\n'
    )
    params = {"server": "lighttpd", "config": str(conf)}
    yield params
    invoke(HTTPD, Convention.OCF, "stop", params, env=_httpd_env(agent_dir))


def _httpd_env(agent_dir: Path) -> dict[str, str]:
    return {**ENV, "HA_RSCTMP": str(agent_dir / "state")}


@pytest.mark.parametrize("convention", list(Convention), ids=lambda c: c.value)
def test_ported_httpd_lifecycle(
    convention: Convention, lighttpd: dict[str, str], agent_dir: Path, fast: dict[str, Path]
) -> None:
    env, agent = _httpd_env(agent_dir), fast["httpd"]
    if convention is Convention.HEARTBEAT:
        args = ["lighttpd", lighttpd["config"]]
        check_lifecycle(agent, convention, args=args, env=env)
    else:
        check_lifecycle(agent, convention, lighttpd, workdir=agent_dir, env=env)


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(OCF_TESTER), reason="needs root and ocf-tester"
)
def test_ported_httpd_passes_ocf_tester(lighttpd: dict[str, str], agent_dir: Path) -> None:
    argv = [OCF_TESTER, "-n", "web1", "-o", "server=lighttpd", "-o", f"config={lighttpd['config']}"]
    res = subprocess.run(
        [*argv, str(HTTPD)],
        env=clean_env({"OCF_ROOT": "/usr/lib/ocf", **_httpd_env(agent_dir)}),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    print(res.stdout + res.stderr)
    assert res.returncode == 0 and "passed all tests" in res.stdout, res.stdout + res.stderr
