"""`ha-agents resource` and `ha-agents test-agent`: bad input gets a message, not a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PY = sys.executable


def ha(*args: str) -> tuple[int, str, str]:
    res = subprocess.run(
        [PY, "-m", "ha_agents", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Traceback" not in res.stderr, res.stderr
    return res.returncode, res.stdout, res.stderr


@pytest.mark.parametrize(
    ("args", "rc", "message"),
    [
        (
            ["resource", "start", "nope", "--config-dir", "/nonexistent"],
            1,
            "Cannot locate resource script nope",
        ),
        (
            ["resource", "start", "ocf:heartbeat:Dummy::state", "--config-dir", "/x"],
            1,
            "OCF parameter must be NAME=VALUE",
        ),
        (
            ["resource", "start", "ocf:heartbeat:NoSuchAgent", "--config-dir", "/x"],
            1,
            "is missing or not executable",
        ),
        (["resource", "start", "a b", "--config-dir", "/x"], 2, "one word without blanks"),
        (["resource", "start", "x", "--timeout", "-1"], 2, "--timeout must be"),
        (["resource", "restart", "x"], 2, "invalid choice"),
        (["test-agent", "::x"], 2, "empty script name"),
        (["test-agent", "x", "--class", "nope"], 2, "invalid choice"),
        (["test-agent", "/nonexistent/agent", "--class", "ocf"], 1, "no executable OCF agent"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], rc: int, message: str) -> None:
    got_rc, out, err = ha(*args)
    assert got_rc == rc and message in out + err, (got_rc, out, err)


def test_resource_reads_groups_from_haresources(tmp_path: Path) -> None:
    state = tmp_path / "d"
    (tmp_path / "haresources").write_text(
        f"# comment\nnode1 ocf:heartbeat:Dummy::state={state}1 \\\n"
        f"   ocf:heartbeat:Dummy::state={state}2\n"
    )
    key = f"ocf:heartbeat:Dummy::state={state}1"
    rc, out, err = ha("resource", "start", "node1", "--config-dir", str(tmp_path), "--json")
    doc = json.loads(out)
    assert rc == 0, out + err
    assert [(s["resource"][-2:], s["op"]) for s in doc["steps"]] == [
        ("d1", "status"),
        ("d1", "start"),
        ("d2", "status"),
        ("d2", "start"),
    ]
    assert ha("resource", "status", key, "--config-dir", str(tmp_path))[0] == 0
    rc, out, _ = ha("resource", "stop", key, "--config-dir", str(tmp_path), "--json")
    assert rc == 0 and [s["resource"][-2:] for s in json.loads(out)["steps"]] == ["d2", "d1"]
    assert ha("resource", "status", "node1", "--config-dir", str(tmp_path))[0] == 3


ENVDUMP = """#!/bin/sh
{ echo "argv=$*"; echo "cwd=$(pwd)"; env; } > "@OUT@.$(echo "$*" | tr ' /' '__')"
case "$*" in *status) echo "not running";; esac
exit 0
"""


def test_heartbeat_class_script_gets_heartbeats_argv_and_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "ha.d"
    (cfg / "resource.d").mkdir(parents=True)
    (cfg / "nodeinfo").write_text("node1\n")
    out = tmp_path / "dump"
    script = cfg / "resource.d" / "envdump"
    script.write_text(ENVDUMP.replace("@OUT@", str(out)))
    script.chmod(0o755)
    rc, stdout, err = ha("resource", "start", "envdump::a1::a2", "--config-dir", str(cfg))
    assert rc == 0, stdout + err
    dump = dict(
        line.split("=", 1)
        for line in (tmp_path / "dump.a1_a2_start").read_text().splitlines()
        if "=" in line
    )
    assert dump["argv"] == "a1 a2 start"
    assert dump["HA_CURHOST"] == "node1"
    assert dump["HA_DIR"] == str(cfg) and dump["HA_RESOURCEDIR"] == f"{cfg}//resource.d"
    assert dump["OCF_ROOT"] == "/usr/lib/ocf" and dump["LC_ALL"] == "C"
    assert dump["PATH"].startswith("/usr/libexec/heartbeat:/usr/sbin:/usr/share/heartbeat:")
    assert (tmp_path / "dump.a1_a2_status").exists()  # status came first ("not running")
    if Path("/var/lib/heartbeat/cores/root").is_dir():
        assert dump["cwd"] == "/var/lib/heartbeat/cores/root"


MYAPP = """#!/bin/sh
# a heartbeat-class script that keeps its state next to where it is run from
case "$1" in
    start) pwd > ./where; : > ./running ;;
    stop) rm -f ./running ;;
    status) if [ -e ./running ]; then echo running; else echo stopped; fi ;;
esac
"""


def test_test_agent_runs_a_path_from_where_the_user_is(tmp_path: Path) -> None:
    """`ha-agents test-agent ./myapp` (docs/agents.md): the path and the relative files
    the script uses mean the user's directory, not Heartbeat's script directory."""
    script = tmp_path / "myapp"
    script.write_text(MYAPP)
    script.chmod(0o755)
    res = subprocess.run(
        [PY, "-m", "ha_agents", "test-agent", "./myapp"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "6/6 checks passed" in res.stdout
    assert (tmp_path / "where").read_text().strip() == str(tmp_path)
    res = subprocess.run(
        [PY, "-m", "ha_agents", "resource", "start", "./myapp"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert res.returncode == 0 and (tmp_path / "running").exists(), res.stderr


def _addresses() -> str:
    return subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, check=True).stdout


def test_test_agent_does_not_put_a_service_address_on_this_machine_by_surprise() -> None:
    """Outside a network namespace of its own, IPaddr's test needs --yes; an address
    that is already here is refused even with --yes (its stop would remove it)."""
    from ha_agents.commands._addrguard import own_network_namespace

    if own_network_namespace():
        pytest.skip("this test must run in the machine's own network namespace")
    before = _addresses()
    rc, out, err = ha("test-agent", "IPaddr::192.0.2.77/24/eth0", "--config-dir", "/nonexistent")
    assert rc == 1 and out == ""
    assert "adds 192.0.2.77 to this machine" in err and "--yes" in err and "ip netns" in err
    for spec in ("IPaddr::127.0.0.1/8/lo", "127.0.0.1", "ocf:heartbeat:IPaddr2::ip=127.0.0.1"):
        rc, out, err = ha("test-agent", spec, "--yes", "--config-dir", "/nonexistent")
        assert rc == 1 and "127.0.0.1 is already configured on lo" in err, (spec, rc, err)
    assert _addresses() == before
