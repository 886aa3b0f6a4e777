"""Our resource.d/httpd with a real lighttpd on a namespace address (needs root)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.lab import wait_until
from tests.resources.helpers import AGENT_ENV, AGENTS, ha

pytestmark = [
    pytest.mark.netns,
    pytest.mark.skipif(not shutil.which("lighttpd"), reason="needs the lighttpd package"),
]


def lighttpd_conf(tmp_path: Path, bind: str) -> Path:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from ha_agents\n")
    conf = tmp_path / "lighttpd.conf"
    conf.write_text(
        f'server.document-root = "{www}"\n'
        "server.port = 80\n"
        f'server.bind = "{bind}"\n'
        f'server.errorlog = "{tmp_path}/error.log"\n'
        'index-file.names = ("index.html")\n'
    )
    return conf


def curl(host: Any, url: str) -> str:
    res = host.run(["curl", "-s", "-m", "2", url], check=False)
    return res.stdout if res.returncode == 0 else f"curl failed ({res.returncode})"


def test_group_ip_then_lighttpd_starts_serves_and_stops_in_order(lab2: Any, tmp_path: Path) -> None:
    _, a, b = lab2
    conf = lighttpd_conf(tmp_path, "192.0.2.50")
    cfg = tmp_path / "ha.d"
    cfg.mkdir()
    (cfg / "haresources").write_text(f"a 192.0.2.50 httpd::lighttpd::{conf}\n")
    env = {"HA_RSCTMP": str(tmp_path / "state")}
    rc, out, err = ha(
        a, "resource", "start", "192.0.2.50", "--config-dir", str(cfg), "--json", env=env
    )
    doc = json.loads(out)
    assert rc == 0 and doc["state"] == "running", out + err
    assert [(s["resource"], s["op"]) for s in doc["steps"]] == [
        ("192.0.2.50", "status"),
        ("192.0.2.50", "start"),
        (f"httpd::lighttpd::{conf}", "status"),
        (f"httpd::lighttpd::{conf}", "start"),
    ]
    assert curl(b, "http://192.0.2.50/") == "hello from ha_agents\n"
    rc, out, _ = ha(a, "resource", "status", "a", "--config-dir", str(cfg), env=env)
    assert rc == 0 and "running - all resources running" in out
    rc, out, err = ha(
        a, "resource", "stop", "192.0.2.50", "--config-dir", str(cfg), "--json", env=env
    )
    doc = json.loads(out)
    assert rc == 0, out + err
    assert [s["resource"] for s in doc["steps"]] == [f"httpd::lighttpd::{conf}", "192.0.2.50"]
    assert curl(b, "http://192.0.2.50/").startswith("curl failed")
    rc, out, _ = ha(a, "resource", "status", "192.0.2.50", "--config-dir", str(cfg), env=env)
    assert rc == 3


def test_test_agent_passes_for_our_httpd_heartbeat_and_ocf(lab2: Any, tmp_path: Path) -> None:
    _, a, _ = lab2
    conf = lighttpd_conf(tmp_path, "192.0.2.11")
    env = {"HA_RSCTMP": str(tmp_path / "state")}
    rc, out, err = ha(a, "test-agent", f"httpd::lighttpd::{conf}", env=env)
    assert rc == 0 and "6/6 checks passed" in out, out + err
    spec = f"{AGENTS / 'httpd'}::server=lighttpd::config={conf}"
    rc, out, err = ha(a, "test-agent", spec, "--class", "ocf", env=env)
    assert rc == 0 and "8/8 checks passed" in out, out + err
    # as an init script: parameters from a defaults file (/etc/default/httpd); test-agent's
    # HA_* variables would make the SDK pick heartbeat-class, so LSB is named
    defaults = tmp_path / "httpd.defaults"
    defaults.write_text(f"SERVER=lighttpd\nCONFIG={conf}\n")
    lsb_env = {**env, "HA_AGENT_CONVENTION": "lsb", "HA_AGENT_DEFAULTS": str(defaults)}
    rc, out, err = ha(a, "test-agent", str(AGENTS / "httpd"), "--class", "lsb", env=lsb_env)
    assert rc == 0 and "checks passed" in out and "failed" not in out, out + err


def test_httpd_status_needs_an_http_answer_not_just_the_process(lab2: Any, tmp_path: Path) -> None:
    _, a, _ = lab2
    conf = lighttpd_conf(tmp_path, "192.0.2.11")
    env = {**AGENT_ENV, "HA_RSCTMP": str(tmp_path / "state")}
    httpd = str(AGENTS / "httpd")
    assert a.run([httpd, "lighttpd", str(conf), "start"], env=env, check=False).returncode == 0
    try:
        # the process lives, but the URL we check does not answer: not running
        res = a.run(
            [httpd, "lighttpd", str(conf), "http://192.0.2.11:81/", "status"], env=env, check=False
        )
        # heartbeat-class: a failed check prints "failed" (neither "running" nor "OK":
        # Heartbeat reads it as not running) and exits 1, the reason on stderr
        assert (res.returncode, res.stdout) == (1, "failed\n"), res.stderr
        assert "no HTTP answer at http://192.0.2.11:81/" in res.stderr
        ocf_env = {
            **env,
            "OCF_RESKEY_server": "lighttpd",
            "OCF_RESKEY_config": str(conf),
            "OCF_RESKEY_url": "http://192.0.2.11:81/",
        }
        assert a.run([httpd, "monitor"], env=ocf_env, check=False).returncode == 1
    finally:
        a.run([httpd, "lighttpd", str(conf), "stop"], env=env, check=False)


def test_start_fails_when_another_server_already_answers_and_never_claims_it(
    lab2: Any, tmp_path: Path
) -> None:
    """Debian starts lighttpd.service at install: with that server already on the port,
    start must fail (not report success for a server it does not own), and a later stop
    must leave that server alone; once it is gone, start works and stop stops ours."""
    _, a, b = lab2
    conf = lighttpd_conf(tmp_path, "192.0.2.11")
    other = a.popen(["lighttpd", "-D", "-f", str(conf)])
    assert wait_until(lambda: curl(b, "http://192.0.2.11/") == "hello from ha_agents\n", 10)
    env = {"HA_RSCTMP": str(tmp_path / "state")}
    spec = f"httpd::lighttpd::{conf}"
    rc, out, err = ha(a, "resource", "start", spec, env=env)
    assert rc == 1, out + err
    script = [str(AGENTS / "httpd"), "lighttpd", str(conf), "start"]
    direct = a.run(script, check=False, timeout=60, env={**AGENT_ENV, **env})
    assert direct.returncode == 1
    assert "something else already answers at http://192.0.2.11:80/" in direct.stderr
    rc, out, _ = ha(a, "resource", "status", spec, env=env)
    assert rc == 3, out  # not ours: stopped, whatever answers on the port
    rc, out, err = ha(a, "resource", "stop", spec, env=env)
    assert rc == 0, out + err
    assert other.poll() is None  # the other server was not ours to stop
    other.terminate()
    other.wait(timeout=10)
    rc, out, err = ha(a, "resource", "start", spec, env=env)
    assert rc == 0, out + err
    assert curl(b, "http://192.0.2.11/") == "hello from ha_agents\n"
    rc, out, err = ha(a, "resource", "stop", spec, env=env)
    assert rc == 0 and curl(b, "http://192.0.2.11/").startswith("curl failed"), out + err
