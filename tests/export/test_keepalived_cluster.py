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
        notify.write_text(render_notify_script(cfg, str(fake), install_path=str(notify)))
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
