"""ha.cf + haresources -> keepalived.conf per node + notify script; keepalived -t on each."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ha_agents.config.model import AutoFailback, ClusterConfig
from ha_agents.export.corosync import NodeAddresses, links, node_addresses
from ha_agents.export.keepalived import advert_int, render_keepalived, render_notify_script

from .builders import bcast, group, make_config, ucast
from .verify import keepalived_t, needs_keepalived


def _addresses(cfg: ClusterConfig) -> dict[str, list[str]]:
    given = {"node1": ("192.0.2.11",), "node2": ("192.0.2.12",)}
    found, _ = node_addresses(cfg, links(cfg)[0], NodeAddresses(given, {}))
    return found


def _cfg(**kw: object) -> ClusterConfig:
    return make_config(
        group(
            "node1",
            "IPaddr::192.0.2.50/24/eth0:web",
            "Filesystem::/dev/sdb1::/srv::ext4",
            "lighttpd",
            line=1,
        ),
        group("node2", "192.0.2.51", "IPaddr2::192.0.2.52/24/eth0/192.0.2.255", line=2),
        **kw,  # type: ignore[arg-type]
    )


def _instances(text: str) -> dict[str, list[str]]:
    """vrrp_instance name -> its stripped body lines."""
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    depth = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("vrrp_instance "):
            current = result.setdefault(line.split()[1], [])
            depth = 1
            continue
        if current is not None:
            depth += line.count("{") - line.count("}")
            if depth == 0:
                current = None
            else:
                current.append(line)
    return result


@pytest.mark.parametrize(
    ("keepalive_ms", "text", "version"),
    [(1000, "1", 2), (2000, "2", 2), (500, "0.5", 3), (1500, "1.5", 3), (1234, "1.23", 3)],
)
def test_advert_int_resolution(keepalive_ms: int, text: str, version: int) -> None:
    assert advert_int(keepalive_ms) == (text, version)


def test_home_node_is_master_with_higher_priority_and_preempts() -> None:
    cfg = _cfg(auto_failback=AutoFailback.ON)
    one, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    two, _ = render_keepalived(cfg, "node2", _addresses(cfg))
    a1, a2 = _instances(one), _instances(two)
    assert list(a1) == ["VI_ip_192.0.2.50", "VI_ip_192.0.2.51"]
    assert "state MASTER" in a1["VI_ip_192.0.2.50"] and "priority 150" in a1["VI_ip_192.0.2.50"]
    assert "state BACKUP" in a2["VI_ip_192.0.2.50"] and "priority 100" in a2["VI_ip_192.0.2.50"]
    assert "state MASTER" in a2["VI_ip_192.0.2.51"]
    assert all("nopreempt" not in body for body in [*a1.values(), *a2.values()])
    assert "virtual_router_id 51" in a1["VI_ip_192.0.2.50"]
    assert "virtual_router_id 52" in a2["VI_ip_192.0.2.51"]


def test_auto_failback_off_is_all_backup_nopreempt() -> None:
    cfg = _cfg(auto_failback=AutoFailback.OFF)
    text, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    for body in _instances(text).values():
        assert "state BACKUP" in body and "nopreempt" in body


def test_vips_and_notify_only_for_non_ip_resources() -> None:
    cfg = _cfg()
    text, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    inst = _instances(text)
    assert "192.0.2.50/24 dev eth0 label eth0:web" in inst["VI_ip_192.0.2.50"]
    assert any(line.startswith("notify_master ") for line in inst["VI_ip_192.0.2.50"])
    two = inst["VI_ip_192.0.2.51"]
    assert "192.0.2.51/32 dev eth0" in two
    assert "192.0.2.52/24 brd 192.0.2.255 dev eth0" in two
    assert not any(line.startswith("notify") for line in two)  # only addresses in that group


def test_ucast_media_give_unicast_peers() -> None:
    cfg = _cfg(media=(ucast("eth0", "192.0.2.12"),))
    text, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    body = _instances(text)["VI_ip_192.0.2.50"]
    assert "unicast_src_ip 192.0.2.11" in body
    assert body[body.index("unicast_peer {") + 1] == "192.0.2.12"
    bc = _cfg(media=(bcast("eth0"),))
    text, _ = render_keepalived(bc, "node1", _addresses(bc))
    assert "unicast_peer {" not in text


def test_bad_ip_is_left_out_with_warning() -> None:
    cfg = make_config(group("node1", "IPaddr::192.0.2.300", "192.0.2.50", "lighttpd", line=4))
    text, diags = render_keepalived(cfg, "node1", _addresses(cfg))
    (body,) = _instances(text).values()
    assert "192.0.2.50/32 dev eth0" in body
    assert not any("192.0.2.300" in line for line in body if not line.startswith("#"))
    assert ("EX602", 4) in [(d.code, d.line) for d in diags]


def test_group_without_address_has_no_instance() -> None:
    cfg = make_config(group("node1", "lighttpd", line=3), group("node2", "192.0.2.51", line=4))
    text, diags = render_keepalived(cfg, "node1", _addresses(cfg))
    assert list(_instances(text)) == ["VI_ip_192.0.2.51"]
    assert ("EX617", 3) in [(d.code, d.line) for d in diags]


def test_ocf_ipaddr2_form_is_a_vip() -> None:
    res = "ocf:heartbeat:IPaddr2::ip=192.0.2.80::cidr_netmask=24::nic=eth0::iflabel=web"
    cfg = make_config(group("node1", res, line=2))
    text, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    assert _instances(text)["VI_ip_192.0.2.80"][-2] == "192.0.2.80/24 dev eth0 label eth0:web"


def test_notify_script_starts_left_to_right_and_stops_right_to_left(tmp_path: Path) -> None:
    cfg = _cfg()
    script = tmp_path / "ha-agents-notify"
    log = tmp_path / "calls"
    fake = tmp_path / "fake-ha-agents"
    # a recording stand-in for the ha-agents command (the script's only dependency)
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    fake.chmod(0o755)
    script.write_text(render_notify_script(cfg, (str(fake),)))
    script.chmod(0o755)
    inst = "VI_ip_192.0.2.50"
    assert subprocess.run([str(script), "start", inst], check=False).returncode == 0
    assert subprocess.run([str(script), "stop", inst], check=False).returncode == 0
    assert log.read_text().splitlines() == [
        "resource start --config-dir /etc/ha.d -- Filesystem::/dev/sdb1::/srv::ext4",
        "resource start --config-dir /etc/ha.d -- lighttpd",
        "resource stop --config-dir /etc/ha.d -- lighttpd",
        "resource stop --config-dir /etc/ha.d -- Filesystem::/dev/sdb1::/srv::ext4",
    ]
    assert subprocess.run([str(script), "start", "VI_nosuch"], check=False).returncode == 1


def test_notify_script_start_stops_at_first_failure(tmp_path: Path) -> None:
    cfg = _cfg()
    fake = tmp_path / "fake-ha-agents"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/calls\nexit 1\n')
    fake.chmod(0o755)
    script = tmp_path / "notify"
    script.write_text(render_notify_script(cfg, (str(fake),)))
    script.chmod(0o755)
    assert subprocess.run([str(script), "start", "VI_ip_192.0.2.50"], check=False).returncode == 1
    assert len((tmp_path / "calls").read_text().splitlines()) == 1


@needs_keepalived
@pytest.mark.parametrize("keepalive_ms", [2000, 500])
@pytest.mark.parametrize("mode", [AutoFailback.ON, AutoFailback.OFF])
def test_keepalived_accepts_export(keepalive_ms: int, mode: AutoFailback, tmp_path: Path) -> None:
    cfg = _cfg(keepalive_ms=keepalive_ms, auto_failback=mode, media=(ucast("eth0", "192.0.2.12"),))
    for node in cfg.hacf.nodes:
        text, _ = render_keepalived(cfg, node, _addresses(cfg))
        cp = keepalived_t(text, tmp_path, f"{node}.conf")
        assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_keepalived
def test_keepalived_check_catches_bad_config(tmp_path: Path) -> None:
    cfg = _cfg()
    text, _ = render_keepalived(cfg, "node1", _addresses(cfg))
    assert keepalived_t(text.replace("priority 150", "priority 300"), tmp_path).returncode != 0


@needs_keepalived
def test_unknown_addresses_fall_back_to_multicast_not_an_empty_peer_list(tmp_path: Path) -> None:
    cfg = _cfg(media=(ucast("eth0", "192.0.2.12"),), nodes=("node1", "node2", "node3"))
    text, _ = render_keepalived(cfg, "node3", {})
    assert "unicast_peer" not in text
    cp = keepalived_t(text, tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr
