"""Resource monitoring outside the manager: failover.cf's ``monitor`` lines, ``check``
(a check run once and timed), ``simulate`` (service faults), the status views, metrics
and hook events."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ha_agents.config.failovercf import parse_options
from ha_agents.config.model import Location, ResourceGroup, ResourceSpec
from ha_agents.config.monitorcf import Monitored, MonitorSpec, bind, timing
from ha_agents.daemon.hooks import hook_argv, hook_env
from ha_agents.export.simulator import Fault, predict
from ha_agents.failover.actions import MonitorReport
from ha_agents.status import monitors
from ha_agents.status.events import from_cluster_event
from ha_agents.status.metrics import DaemonMetrics
from tests.failover.builders import make_config

REPO = Path(__file__).resolve().parents[2]
LOC = Location("haresources", 1)
IP = "IPaddr::192.0.2.50/24/eth0"
WEB = "httpd::lighttpd::/etc/lighttpd/lighttpd.conf"


def spec(text: str) -> ResourceSpec:
    name, *args = text.split("::")
    return ResourceSpec(name, tuple(args), text, LOC)


GROUPS = (
    ResourceGroup("node1", (spec(IP), spec(WEB)), LOC),
    ResourceGroup("node2", (spec("192.0.2.51"), spec("httpd")), LOC),
)


# -- failover.cf -------------------------------------------------------------------------
def test_monitor_lines_parse_with_defaults_and_units() -> None:
    opts, diags = parse_options("monitor httpd\nmonitor\t192.0.2.51 interval=500ms timeout=2s "
                                "restarts=0 window=1.5 depth=10\n", "f.cf")  # fmt: skip
    assert diags == []
    a, b = opts.monitors
    assert (a.target, a.interval_s, a.timeout_s, a.restarts, a.window_s, a.depth) == (
        "httpd", 10.0, 20.0, 3, 300.0, None,
    )  # fmt: skip
    assert (b.target, b.interval_s, b.timeout_s, b.restarts, b.window_s, b.depth) == (
        "192.0.2.51", 0.5, 2.0, 0, 1.5, 10,
    )  # fmt: skip
    assert a.loc == Location("f.cf", 1) and b.loc == Location("f.cf", 2)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("monitor", "needs a resource"),
        ("monitor interval=5", "needs a resource"),
        ("monitor httpd every=5", "unknown setting 'every=5'"),
        ("monitor httpd interval", "unknown setting 'interval'"),
        ("monitor httpd interval=0.01", "interval: expected seconds >= 0.1"),
        ("monitor httpd timeout=-1", "timeout: expected seconds"),
        ("monitor httpd restarts=two", "restarts: expected a whole number"),
        ("monitor httpd depth=1.5", "depth: expected a whole number"),
        ("monitor httpd interval=1 interval=2", "interval given twice"),
    ],
)
def test_bad_monitor_lines_are_hf605_and_change_nothing(line: str, message: str) -> None:
    opts, diags = parse_options(f"stop_failure reboot\n{line}\n", "f.cf")
    assert opts.monitors == () and opts.stop_failure == "reboot"
    assert [(d.line, d.code) for d in diags] == [(2, "HF605")]
    assert diags[0].render().startswith(f"f.cf:2: error: HF605 monitor: {message}")


def test_bind_exact_text_wins_over_the_script_name() -> None:
    opts, _ = parse_options(f"monitor httpd interval=5\nmonitor {WEB} interval=1\n", "f.cf")
    bound, diags = bind(opts.monitors, GROUPS)
    assert diags == []
    assert [(m.group, m.index, m.resource, m.spec.interval_s) for m in bound] == [
        (IP, 1, WEB, 1.0),
        ("192.0.2.51", 1, "httpd", 5.0),
    ]


def test_bind_reports_unmatched_and_duplicate_lines() -> None:
    opts, _ = parse_options("monitor redis\nmonitor httpd\nmonitor httpd timeout=3\n", "f.cf")
    bound, diags = bind(opts.monitors, GROUPS)
    assert [(d.line, d.severity.value, d.code) for d in diags] == [
        (3, "error", "HF607"),
        (1, "warning", "HF606"),
    ]
    assert [m.spec.timeout_s for m in bound] == [20.0, 20.0]  # the first line counts


def test_timing_verdicts() -> None:
    m = Monitored(IP, 1, WEB, MonitorSpec("httpd", Location("f.cf", 4), 1.0, 2.0))
    assert timing(m, 0.2, False, "running").code == "HF690"
    slow = timing(m, 1.2, False, "running")
    assert (slow.code, slow.severity.value, slow.line) == ("HF609", "warning", 4)
    assert "interval 1 s is shorter than the check" in slow.message
    assert timing(m, 2.0, True, "failed").code == "HF610"
    assert timing(m, 0.0, False, "exit 127", failed=True).code == "HF611"


# -- check ---------------------------------------------------------------------------------
def _config_dir(tmp_path: Path, status_sleep: float, failover_cf: str) -> Path:
    d = tmp_path / "ha.d"
    (d / "resource.d").mkdir(parents=True)
    (d / "ha.cf").write_text(
        "logfacility local0\nkeepalive 1\ndeadtime 10\nwarntime 5\ninitdead 20\n"
        "ucast lo 127.0.0.2\nnode node1\nnode node2\n"
    )
    keys = d / "authkeys"
    keys.write_text("auth 1\n1 sha1 0123456789abcdef0123456789\n")
    keys.chmod(0o600)
    (d / "haresources").write_text("node1 slow::x\n")
    script = d / "resource.d" / "slow"
    script.write_text(
        f'#!/bin/sh\ncase "$2" in status) sleep {status_sleep}; echo stopped;; esac\nexit 0\n'
    )
    script.chmod(0o755)
    (d / "failover.cf").write_text(failover_cf)
    return d


def _check(d: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "ha_agents", "check", "--config-dir", str(d), "--node", "node1"]
    return subprocess.run([*argv, *extra], capture_output=True, text=True, timeout=60, cwd=REPO)


def test_check_warns_when_the_interval_is_shorter_than_the_measured_check(tmp_path: Path) -> None:
    d = _config_dir(tmp_path, 0.4, "monitor slow interval=0.2 timeout=5\n")
    r = _check(d)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(x for x in r.stdout.splitlines() if "HF609" in x)
    assert line.startswith(f"{d}/failover.cf:1: warning: HF609 monitor 'slow': interval 0.2 s")
    measured = float(line.split("(")[1].split(" s measured")[0])
    assert 0.4 <= measured < 3.0


def test_check_warns_when_the_check_outlasts_its_timeout(tmp_path: Path) -> None:
    r = _check(_config_dir(tmp_path, 2.0, "monitor slow interval=10 timeout=0.3\n"))
    assert ": warning: HF610 monitor 'slow'" in r.stdout, r.stdout + r.stderr


def test_check_notes_the_time_and_measures_nothing_with_remote(tmp_path: Path) -> None:
    d = _config_dir(tmp_path, 0.0, "monitor slow interval=5\n")
    assert "note: HF690 monitor 'slow': the check of 'slow::x' took" in _check(d).stdout
    assert "HF690" not in _check(d, "--remote").stdout


def test_check_exits_1_on_a_failover_cf_error(tmp_path: Path) -> None:
    r = _check(_config_dir(tmp_path, 0.0, "monitor slow interval=fast\n"))
    assert r.returncode == 1
    assert ": error: HF605 monitor: interval:" in r.stdout
    assert "ha-agents run refuses failover.cf" in r.stderr


# -- simulate ------------------------------------------------------------------------------
def _cluster_config() -> object:
    return replace(make_config("node1"), groups=(GROUPS[0],))


@pytest.mark.parametrize("fault", [Fault.SERVICE_KILL, Fault.SERVICE_HANG])
def test_simulate_service_fault_with_monitoring_restarts_in_place(fault: Fault) -> None:
    opts, _ = parse_options("monitor httpd interval=2 timeout=1\n", "f.cf")
    p = predict(_cluster_config(), fault, "node1", 0.1, options=opts)  # type: ignore[arg-type]
    (outage,) = p.outages
    assert outage.up_on == "node1" and outage.duration is not None
    assert outage.duration <= 2 + 1 + 2 * 0.1 + 0.05
    assert any("restarted in place (restart 1)" in e.text for e in p.timeline)


def test_simulate_service_kill_without_monitoring_never_recovers() -> None:
    p = predict(_cluster_config(), Fault.SERVICE_KILL, "node1", 0.1)  # type: ignore[arg-type]
    assert [o.up_at for o in p.outages] == [None]


# -- status, metrics, hooks ----------------------------------------------------------------
ROW = {
    "group": IP,
    "resource": WEB,
    "state": "watching",
    "interval_s": 1.0,
    "timeout_s": 2.0,
    "last_check_at": 100.0,
    "last_result": "running",
    "last_detail": "ok",
    "last_duration_s": 0.25,
    "failures": 1,
    "checks_total": 40,
    "failures_total": 2,
    "restarts_total": 2,
    "refused_here": False,
}


def test_status_lines_and_ages() -> None:
    resources: dict[str, object] = {"monitors": [dict(ROW)]}
    monitors.add_ages(resources, 102.5)
    assert resources["monitors"][0]["last_check_s"] == 2.5  # type: ignore[index]
    assert monitors.lines(resources) == [
        f"  monitor {WEB} (group {IP}): watching, last check running 2.5s ago (0.25s), "
        "failures 1 in window (2 total), restarts 2"
    ]
    assert monitors.lines({"groups": []}) == []


def test_metrics_show_each_monitored_resource() -> None:
    row = {**ROW, "last_check_s": 2.5}
    doc: dict[str, object] = {"node": "node1", "resources": {"groups": [], "monitors": [row]}}
    text = DaemonMetrics(lambda: doc, 1.0).render().decode()
    samples = {
        s.name: s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.labels.get("resource") == WEB
    }
    assert samples == {
        "ha_agents_resource_monitor_up": 1,
        "ha_agents_resource_monitor_last_check_seconds": 2.5,
        "ha_agents_resource_monitor_duration_seconds": 0.25,
        "ha_agents_resource_monitor_checks_total": 40,
        "ha_agents_resource_monitor_failures_total": 2,
        "ha_agents_resource_restarts_total": 2,
    }


def test_monitor_reports_become_hook_events_with_the_resource() -> None:
    event = from_cluster_event(MonitorReport("resource-failed", IP, WEB, "stopped"), "node1")
    assert event is not None
    assert hook_argv(Path("/h/10-x"), event) == ["/h/10-x", "resource-failed", "node1", IP, WEB]
    env = hook_env(event, "node1", "/etc/ha.d")
    assert (env["HA_EVENT"], env["HA_GROUP"], env["HA_RESOURCE"], env["HA_REASON"]) == (
        "resource-failed", IP, WEB, "stopped",
    )  # fmt: skip
