"""`ha-agents export` and `ha-agents simulate` end to end on files (config loader included)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ha_agents.cli import main

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def confdir(tmp_path: Path) -> Path:
    dst = tmp_path / "ha.d"
    shutil.copytree(DATA / "ucast-web", dst)
    (dst / "authkeys").chmod(0o600)
    return dst


def test_export_pacemaker_writes_files_and_warns(
    confdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1"]
    argv += ["--node-address", "node1=192.0.2.11", "--output-dir", str(out)]
    assert main(argv) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cib.xml", "corosync.conf"]
    assert "ring0_addr: 192.0.2.11" in (out / "corosync.conf").read_text()
    err = capsys.readouterr().err
    assert "warning: EX603" in err and "EX606" not in err
    # the same export again changes nothing; another one does not overwrite without --force
    assert main(argv) == 0
    assert f"kept {out}/corosync.conf (already there, same content)" in capsys.readouterr().out
    other = [*argv[:-2], "--node-address", "node2=192.0.2.22", "--output-dir", str(out)]
    assert main(other) == 1
    assert "out: corosync.conf already there with other content" in capsys.readouterr().err
    assert main([*other, "--force"]) == 0
    assert "ring0_addr: 192.0.2.22" in (out / "corosync.conf").read_text()


def test_migration_guides_three_exports_write_one_directory(
    confdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/migration.md section 2.1: cib, crmsh and pcs into one directory, keeping
    --config-dir and the node addresses; corosync.conf is the same for all three."""
    out = tmp_path / "pcmk"
    base = ["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1"]
    base += ["--node-address", "node1=192.0.2.11", "--node-address", "node2=192.0.2.12"]
    for fmt in ("cib", "crmsh", "pcs"):
        assert main([*base, "--format", fmt, "--output-dir", str(out)]) == 0, fmt
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cib.xml", "corosync.conf", "crm.txt", "pcs.sh"]
    corosync = (out / "corosync.conf").read_text()
    assert "ring0_addr: 192.0.2.11" in corosync and "ring0_addr: 192.0.2.12" in corosync
    assert "kept" in capsys.readouterr().out
    pcs = (out / "pcs.sh").read_text()
    assert "Do not run 'pcs cluster\n# setup'" in pcs


def test_export_pcs_script_is_executable(confdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["export", "pacemaker", "--format", "pcs", "--config-dir", str(confdir)]
    assert main([*argv, "--node", "node1", "--output-dir", str(out)]) == 0
    assert (out / "pcs.sh").stat().st_mode & 0o111


def test_export_keepalived_writes_per_node_and_notify(confdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["export", "keepalived", "--config-dir", str(confdir), "--node", "node1"]
    assert main([*argv, "--output-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "ha-agents-notify",
        "keepalived-node1.conf",
        "keepalived-node2.conf",
    ]


def test_export_json_document(confdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["files"]) == {"corosync.conf", "cib.xml"}
    assert {"file", "line", "severity", "code", "message"} <= set(doc["diagnostics"][0])


@pytest.mark.parametrize(
    "bad", ["node1", "node1=", "node1=192.0.2.300", "node9=192.0.2.19", "=192.0.2.1"]
)
def test_export_bad_node_address_is_usage_error(
    bad: str, confdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1"]
    assert main([*argv, "--node-address", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ha-agents export pacemaker: --node-address") and "Traceback" not in err


def test_export_config_error_exits_1_with_diagnostics(
    confdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (confdir / "ha.cf").write_text("deadtme 30\n")
    assert main(["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1"]) == 1
    err = capsys.readouterr().err
    assert "ha.cf:1:" in err and "nothing exported" in err


def test_simulate_kill_prints_timeline_and_outage(
    confdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--config-dir", str(confdir), "--fault", "kill", "--node", "node1"]
    assert main([*argv, "--script-duration", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "WARN: node node1: is dead" in out
    # keepalive 2 s, deadtime 30 s: dead 29 s after the fault, 4 resources x 0.5 s
    assert "node1 declared dead 29.00" in out  # + message latency
    assert "predicted client-visible outage: IPaddr::192.0.2.50/24/eth0: 31.00" in out


def test_simulate_json_and_bad_duration(confdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--config-dir", str(confdir), "--node", "node1", "--fault", "stop"]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fault"] == "stop" and doc["outages"][0]["up_on"] == "node2"
    assert main([*argv, "--script-duration", "-1"]) == 2
    assert main(["simulate", "--config-dir", str(confdir), "--node", "node7"]) == 1


def test_simulate_without_node_on_a_machine_that_is_not_a_node(
    confdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its help promises a default: the home node of the first group, the files read as
    the cluster's nodes (this machine is neither node1 nor node2, nor has their NICs)."""
    (confdir / "ha.cf").write_text(
        (confdir / "ha.cf").read_text().replace("ucast", "bcast eth7\n#")
    )
    assert main(["simulate", "--config-dir", str(confdir), "--fault", "stop"]) == 0
    captured = capsys.readouterr()
    assert "fault: stop on node1" in captured.out, captured
    assert main(["simulate", "--config-dir", str(confdir), "--link", "eth7"]) == 2
    assert "--link goes with --fault linkdown" in capsys.readouterr().err
    argv = ["simulate", "--config-dir", str(confdir), "--fault", "linkdown", "--link"]
    assert main([*argv, "eth8"]) == 2
    assert "not a link of ha.cf (eth7)" in capsys.readouterr().err
    assert main([*argv, "eth7"]) == 0
    assert "its only link eth7 is cut" in capsys.readouterr().out


def test_simulate_script_duration_forms() -> None:
    from ha_agents.commands.simulate import parse_durations

    assert parse_durations([]) == (0.2, {})
    assert parse_durations(["0.5", "lighttpd=1.5", "IPaddr=0"]) == (
        0.5,
        {"lighttpd": 1.5, "IPaddr": 0.0},
    )
    for bad in ["x", "=1", "a=b", "-1", "nan", "a=4000"]:
        with pytest.raises(ValueError):
            parse_durations([bad])


def test_simulate_bad_duration_is_usage_error(
    confdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--config-dir", str(confdir), "--node", "node1"]
    assert main([*argv, "--script-duration", "httpd=soon"]) == 2
    assert "expected S or NAME=S" in capsys.readouterr().err


def test_export_json_with_output_dir_writes_too(
    confdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    argv = ["export", "keepalived", "--config-dir", str(confdir), "--node", "node1", "--json"]
    assert main([*argv, "--output-dir", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(Path(p).name for p in doc["written"]) == sorted(doc["files"])
    assert (out / "ha-agents-notify").exists()


def test_export_output_dir_that_is_a_file_is_an_error(
    confdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["export", "pacemaker", "--config-dir", str(confdir), "--node", "node1"]
    assert main([*argv, "--output-dir", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "ha-agents export pacemaker:" in err and "Traceback" not in err
