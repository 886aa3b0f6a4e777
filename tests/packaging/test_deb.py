"""The .deb (``make deb``, lintian-clean at warning level) installed with apt into a
throwaway root that already has the heartbeat package: it installs beside it, never
writes /etc/ha.d, its unit verifies, ``ha-agents run`` on a Heartbeat node's /etc/ha.d
starts and answers ``status``, and purging it leaves /etc/ha.d as it was."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

import pytest

from tests.lab import Host, Lab, wait_until
from tests.packaging import artifacts
from tests.packaging.overlayroot import SYSTEM_PATH, OverlayRoot

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
UNIT = "/lib/systemd/system/ha-agents.service"
# the unit's ExecStart, as node1
RUN = ["ha-agents", "run", "--node", "node1", "--config-dir", "/etc/ha.d"]
RUN += ["--state-dir", "/var/lib/heartbeat", "--run-dir", "/run/heartbeat"]
RUN += ["--metrics-address", "127.0.0.1:9694"]  # Debian's python3-prometheus-client
METRICS = (
    "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9694/metrics').read().decode())"
)
HA_CF = """\
logfile /var/log/ha-log
keepalive 200ms
deadtime 2
initdead 4
udpport 694
ucast eth0 192.0.2.11
ucast eth0 192.0.2.12
auto_failback on
node node1
node node2
"""


def test_deb_installs_beside_heartbeat_with_debians_python_modules(deb_root: OverlayRoot) -> None:
    got = deb_root.run(["dpkg-query", "-W", "-f", "${Status} ${Version}\\n", "ha-agents"])
    assert got.stdout.strip() == f"install ok installed {artifacts.version()}"
    heartbeat = deb_root.run(["dpkg-query", "-W", "-f", "${Status}", "heartbeat"])
    assert heartbeat.stdout == "install ok installed"
    deps = deb_root.run(["dpkg-query", "-W", "-f", "${Depends}", "ha-agents"]).stdout
    for pkg in (
        "python3-pyparsing",
        "python3-pyroute2",
        "python3-psutil",
        "python3-prometheus-client",
    ):
        assert pkg in deps
    version = deb_root.run(["ha-agents", "--version"])
    assert version.returncode == 0 and version.stdout.strip() == f"ha-agents {artifacts.version()}"
    files = deb_root.run(["dpkg-query", "-L", "ha-agents"]).stdout.splitlines()
    assert "/usr/bin/ha-agents" in files and UNIT in files
    assert not [f for f in files if f.startswith("/etc/ha.d")]
    assert "/usr/share/doc/ha-agents/README.md" in files  # the unit's Documentation=


def test_deb_unit_passes_systemd_analyze_verify_and_is_neither_enabled_nor_started(
    deb_root: OverlayRoot,
) -> None:
    got = deb_root.run(["systemd-analyze", "verify", UNIT])
    assert got.returncode == 0, got.stderr
    unit = deb_root.run(["cat", UNIT]).stdout
    assert "Type=notify" in unit and "ExecStart=/usr/bin/ha-agents run " in unit
    assert "Documentation=file:/usr/share/doc/ha-agents/README.md" in unit
    wants = deb_root.run(["ls", "/etc/systemd/system/multi-user.target.wants"]).stdout
    assert "ha-agents.service" not in wants
    assert deb_root.run(["test", "-f", "/etc/ha.d/authkeys"]).returncode != 0


def test_deb_leaves_etc_ha_d_as_the_heartbeat_package_left_it(deb_root: OverlayRoot) -> None:
    after = deb_root.run(["sh", "-c", "find /etc/ha.d | sort"]).stdout
    assert after == deb_root.run(["cat", "/tmp/etc-ha.d.before"]).stdout


@contextlib.contextmanager
def node_netns() -> Iterator[Host]:
    with Lab("pd") as lab:
        yield lab.add_host("n1", "192.0.2.11/24")


def test_deb_our_ipaddr_runs_with_debians_pyroute2(deb_root: OverlayRoot) -> None:
    """Our IPaddr (OCF provider ha_agents) under Debian's python3 and python3-pyroute2:
    test-agent's start/status/stop cycle adds and removes the address in a netns."""
    spec = "/usr/lib/ocf/resource.d/ha_agents/IPaddr::192.0.2.50/24/eth0"
    with node_netns() as host:
        got = deb_root.run(["ha-agents", "test-agent", spec], netns=host.netns, timeout=120)
        assert got.returncode == 0, got.stdout + got.stderr
        assert "6/6 checks passed" in got.stdout
        assert host.addresses("eth0") == ["192.0.2.11/24"]


def test_deb_run_on_a_heartbeat_nodes_etc_ha_d_answers_status_and_purge_keeps_it(
    deb_root: OverlayRoot,
) -> None:
    """/etc/ha.d = the heartbeat package's tree + the node's ha.cf, haresources, authkeys."""
    script = (
        f"printf '%s' '{HA_CF}' > /etc/ha.d/ha.cf && "
        "echo 'node1 IPaddr::192.0.2.50/24/eth0' > /etc/ha.d/haresources && "
        "printf 'auth 1\\n1 sha1 %s\\n' $(od -An -N20 -tx1 /dev/urandom | tr -d ' \\n') "
        "> /etc/ha.d/authkeys && chmod 600 /etc/ha.d/authkeys && "
        "find /etc/ha.d -type f | sort | xargs md5sum > /tmp/etc-ha.d.sums"
    )
    assert deb_root.sh(script).returncode == 0
    with node_netns() as host:
        check = deb_root.run(["ha-agents", "check", "--node", "node1"], netns=host.netns)
        assert check.returncode == 0, check.stdout + check.stderr
        # Heartbeat's order: its own resource.d/IPaddr comes first on a Heartbeat node
        assert "runs /etc/ha.d/resource.d/IPaddr (heartbeat class)" in check.stdout
        argv = deb_root.argv(["env", "-i", f"PATH={SYSTEM_PATH}", *RUN], host.netns)
        daemon = host.lab.track(
            subprocess.Popen(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
        )

        def answers() -> bool:
            got = deb_root.run(["ha-agents", "status", "nodestatus", "node1"], netns=host.netns)
            return got.returncode == 0 and got.stdout.strip() == "active"

        assert wait_until(answers, 20), deb_root.run(["tail", "/var/log/ha-log"]).stdout
        assert daemon.poll() is None
        metrics = deb_root.run(["python3", "-c", METRICS], netns=host.netns)
        assert metrics.returncode == 0 and "ha_agents_" in metrics.stdout, metrics.stderr
    purge = deb_root.run(
        ["apt-get", "purge", "-y", "-q", "ha-agents"], env={"DEBIAN_FRONTEND": "noninteractive"}
    )
    assert purge.returncode == 0, purge.stderr
    assert deb_root.run(["test", "-e", "/usr/bin/ha-agents"]).returncode != 0
    sums = deb_root.sh("find /etc/ha.d -type f | sort | xargs md5sum").stdout
    assert sums == deb_root.run(["cat", "/tmp/etc-ha.d.sums"]).stdout
