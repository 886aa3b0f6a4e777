"""resource-agents' own ocf-tester accepts our IPaddr and httpd as OCF agents (needs root)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.resources.helpers import AGENT_ENV, AGENTS

pytestmark = [
    pytest.mark.netns,
    pytest.mark.skipif(not shutil.which("ocf-tester"), reason="needs resource-agents"),
]


def ocf_tester(host: Any, agent: str, params: list[str], env: dict[str, str]) -> str:
    argv = ["ocf-tester", "-n", "t"]
    for p in params:
        argv += ["-o", p]
    res = host.run([*argv, str(AGENTS / agent)], check=False, env=env, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_ocf_tester_passes_our_ipaddr(lab2: Any) -> None:
    _, a, _ = lab2
    out = ocf_tester(a, "IPaddr", ["ip=192.0.2.58"], AGENT_ENV)
    assert "IPaddr passed all tests" in out


@pytest.mark.skipif(not shutil.which("lighttpd"), reason="needs lighttpd")
def test_ocf_tester_passes_our_httpd(lab2: Any, tmp_path: Path) -> None:
    _, a, _ = lab2
    (tmp_path / "www").mkdir()
    conf = tmp_path / "lighttpd.conf"
    conf.write_text(
        f'server.document-root = "{tmp_path}/www"\nserver.port = 80\n'
        f'server.bind = "192.0.2.11"\nserver.errorlog = "{tmp_path}/error.log"\n'
    )
    env = {**AGENT_ENV, "HA_RSCTMP": str(tmp_path / "state")}
    out = ocf_tester(a, "httpd", ["server=lighttpd", f"config={conf}"], env)
    assert "httpd passed all tests" in out
