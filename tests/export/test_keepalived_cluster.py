"""The exported keepalived.conf runs: two real keepalived daemons in lab namespaces hold
the VIP on the home node, run the notify script for the group's other resources, and move
both to the peer when the home node loses power."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from ha_agents.export.corosync import NodeAddresses, links, node_addresses
from ha_agents.export.keepalived import render_keepalived, render_notify_script

from .builders import group, make_config, ucast
from .verify import needs_keepalived

pytestmark = [needs_keepalived, pytest.mark.netns]

VIP = "192.0.2.50"


def test_exported_keepalived_moves_vip_and_runs_notify(tmp_path: Path) -> None:
    from tests.lab import Lab, wait_until

    cfg = make_config(
        group("node1", f"IPaddr::{VIP}/24/eth0", "myapp::x", line=1),
        media=(ucast("eth0", "192.0.2.12"),),
        keepalive_ms=100,
        deadtime_ms=500,
    )
    given = {"node1": ("192.0.2.11",), "node2": ("192.0.2.12",)}
    addresses, _ = node_addresses(cfg, links(cfg)[0], NodeAddresses(given, {}))
    with Lab("ka") as lab:
        calls = lab.tmpdir / "calls"
        fake = lab.tmpdir / "fake-ha-agents"  # records what the notify script asks for
        fake.write_text(f'#!/bin/sh\necho "$(ip netns identify $$) $*" >> {calls}\n')
        fake.chmod(0o755)
        notify = lab.tmpdir / "ha-agents-notify"
        notify.write_text(render_notify_script(cfg, (str(fake),), install_path=str(notify)))
        notify.chmod(0o755)
        hosts = {
            "node1": lab.add_host("n1", "192.0.2.11/24"),
            "node2": lab.add_host("n2", "192.0.2.12/24"),
        }
        nodes = {}
        for name, host in hosts.items():
            conf, _ = render_keepalived(cfg, name, addresses, notify_path=str(notify))
            nodes[name] = lab.add_keepalived_node(host, name, conf)
            nodes[name].start()
        assert wait_until(lambda: nodes["node1"].has_vip(VIP), 15), nodes["node1"].log()[-2000:]
        assert not nodes["node2"].has_vip(VIP)
        n1 = hosts["node1"].netns
        assert wait_until(
            lambda: calls.exists() and f"{n1} resource start" in calls.read_text(), 10
        )
        first = calls.read_text().splitlines()
        assert f"{n1} resource start --config-dir /etc/ha.d -- myapp::x" in first
        nodes["node1"].kill(signal.SIGKILL)
        hosts["node1"].link_down()
        assert wait_until(lambda: nodes["node2"].has_vip(VIP), 10), nodes["node2"].log()[-2000:]
        n2 = hosts["node2"].netns
        assert wait_until(lambda: f"{n2} resource start" in calls.read_text(), 10)
        assert f"{n2} resource start --config-dir /etc/ha.d -- myapp::x" in calls.read_text()


MARKER = """#!/bin/sh
# marker NAME start|stop|status: a heartbeat-class script that records its calls
here=$(ip netns identify $$)
state="/run/marker-$here"
case "$2" in
    start) echo "$here start $1 cwd=$(pwd)" >> "$(dirname "$0")/../calls"; : > "$state" ;;
    stop) echo "$here stop $1" >> "$(dirname "$0")/../calls"; rm -f "$state" ;;
    status) if [ -e "$state" ]; then echo running; else echo stopped; fi ;;
esac
"""

HA_CF = """keepalive 100ms
deadtime 500ms
initdead 2
ucast eth0 192.0.2.11
ucast eth0 192.0.2.12
auto_failback on
node node1
node node2
"""


def _installed_ha_agents() -> list[str]:
    """The command a user runs: the venv's console script when there is one."""
    import os
    import sys

    from tests.lab.command import ha_agents

    script = Path(sys.executable).with_name("ha-agents")
    if not os.environ.get("HA_AGENTS_BIN") and script.exists():
        return [str(script)]
    return ha_agents()


def test_cli_export_runs_under_keepalived_from_a_relative_config_dir() -> None:
    """As docs/migration.md section 3: `ha-agents export keepalived` with a relative
    --config-dir, then keepalived on the files as exported: the notify script (run by
    keepalived from /) finds the ha-agents command and the config dir, and the group's
    heartbeat-class script runs on the MASTER, then on the peer after a power loss."""
    from tests.lab import Lab, wait_until

    with Lab("kx") as lab:
        conf = lab.tmpdir / "site" / "ha.d"
        (conf / "resource.d").mkdir(parents=True)
        (conf / "ha.cf").write_text(HA_CF)
        (conf / "haresources").write_text(f"node1 IPaddr::{VIP}/24/eth0 marker::web\n")
        (conf / "authkeys").write_text("auth 1\n1 sha1 keepalived-export-test\n")
        (conf / "authkeys").chmod(0o600)
        (conf / "resource.d" / "marker").write_text(MARKER)
        (conf / "resource.d" / "marker").chmod(0o755)
        hosts = {
            "node1": lab.add_host("n1", "192.0.2.11/24"),
            "node2": lab.add_host("n2", "192.0.2.12/24"),
        }
        out = lab.tmpdir / "ka"
        argv = [*_installed_ha_agents(), "export", "keepalived", "--config-dir", "site/ha.d"]
        argv += ["--node", "node1", "--node-address", "node1=192.0.2.11"]
        argv += ["--node-address", "node2=192.0.2.12", "--output-dir", "ka"]
        argv += ["--notify-script", str(out / "ha-agents-notify")]
        cd = ["sh", "-c", 'cd "$0" && exec "$@"', str(lab.tmpdir)]
        r = hosts["node1"].run([*cd, *argv], check=False, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        script = (out / "ha-agents-notify").read_text()
        assert f"CONFIG_DIR={conf}\n" in script, script
        nodes = {}
        for name, host in hosts.items():
            conf_text = (out / f"keepalived-{name}.conf").read_text()
            nodes[name] = lab.add_keepalived_node(host, name, conf_text)
            nodes[name].start()
        calls = conf / "calls"
        n1, n2 = hosts["node1"].netns, hosts["node2"].netns

        def called(line: str) -> bool:
            return calls.exists() and line in calls.read_text()

        assert wait_until(lambda: called(f"{n1} start web cwd="), 20), nodes["node1"].log()[-3000:]
        assert nodes["node1"].has_vip(VIP) and not nodes["node2"].has_vip(VIP)
        nodes["node1"].kill(signal.SIGKILL)
        hosts["node1"].link_down()
        assert wait_until(lambda: called(f"{n2} start web cwd="), 15), nodes["node2"].log()[-3000:]
        assert nodes["node2"].has_vip(VIP)
