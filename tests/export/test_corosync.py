"""ha.cf + authkeys -> corosync.conf: links, addresses, crypto, token, quorum, logging."""

from __future__ import annotations

from pathlib import Path

import pytest

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import AuthMethod, Location, Medium, MediumKind
from ha_agents.export.corosync import (
    NodeAddresses,
    links,
    placeholder,
    render_corosync,
    token_ms,
)

from .builders import HACF, bcast, make_config, ucast
from .verify import corosync_t, needs_corosync, ring_addresses

HERE = NodeAddresses({}, {"eth0": ("192.0.2.11",)})
NOWHERE = NodeAddresses({}, {})


def _codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def test_ucast_peer_and_local_interface_give_both_addresses() -> None:
    cfg = make_config(media=(ucast("eth0", "192.0.2.12"),))
    text, diags = render_corosync(cfg, HERE)
    assert ring_addresses(text) == [(0, "192.0.2.11"), (0, "192.0.2.12")]
    assert "EX606" not in _codes(diags)


def test_shared_hacf_with_both_ucast_addresses_uses_local_one() -> None:
    cfg = make_config(media=(ucast("eth0", "192.0.2.11"), ucast("eth0", "192.0.2.12")))
    text, _ = render_corosync(cfg, HERE)
    assert ring_addresses(text) == [(0, "192.0.2.11"), (0, "192.0.2.12")]


def test_ucast_without_local_addresses_knows_only_the_peer() -> None:
    cfg = make_config(media=(ucast("eth0", "192.0.2.12"),))
    text, diags = render_corosync(cfg, NOWHERE)
    assert ring_addresses(text) == [(0, placeholder("node1", "eth0")), (0, "192.0.2.12")]
    assert _codes(diags).count("EX606") == 1
    assert "--node-address node1=" in next(d.message for d in diags if d.code == "EX606")


def test_bcast_needs_node_addresses_else_placeholder() -> None:
    cfg = make_config(media=(bcast("eth0"), bcast("eth1")))
    text, diags = render_corosync(cfg, NOWHERE)
    assert ring_addresses(text) == [
        (0, "REPLACE_WITH_node1_ADDRESS_ON_eth0"),
        (1, "REPLACE_WITH_node1_ADDRESS_ON_eth1"),
        (0, "REPLACE_WITH_node2_ADDRESS_ON_eth0"),
        (1, "REPLACE_WITH_node2_ADDRESS_ON_eth1"),
    ]
    assert _codes(diags).count("EX606") == 4
    assert _codes(diags).count("EX618") == 2


def test_given_addresses_fill_every_link() -> None:
    cfg = make_config(media=(bcast("eth0"), bcast("eth1")))
    given = {"node1": ("192.0.2.11", "198.51.100.11"), "node2": ("192.0.2.12", "198.51.100.12")}
    text, diags = render_corosync(cfg, NodeAddresses(given, {}))
    assert ring_addresses(text) == [
        (0, "192.0.2.11"),
        (1, "198.51.100.11"),
        (0, "192.0.2.12"),
        (1, "198.51.100.12"),
    ]
    assert "EX606" not in _codes(diags)


def test_same_interface_twice_is_one_link_and_serial_is_dropped() -> None:
    serial = Medium(MediumKind.SERIAL, "/dev/ttyS0", Location(HACF, 4), baud=19200)
    cfg = make_config(media=(bcast("eth0"), ucast("eth0", "192.0.2.12"), serial))
    link_list, diags = links(cfg)
    assert [(lk.number, lk.dev, len(lk.media)) for lk in link_list] == [(0, "eth0", 2)]
    assert "EX607" in _codes(diags)


def test_more_than_eight_interfaces_are_cut_to_eight() -> None:
    cfg = make_config(media=tuple(bcast(f"eth{i}") for i in range(10)))
    link_list, diags = links(cfg)
    assert len(link_list) == 8
    assert "EX608" in _codes(diags)


@pytest.mark.parametrize(
    ("method", "cipher", "digest", "code"),
    [
        (AuthMethod.MD5, "aes256", "sha1", "EX605"),
        (AuthMethod.SHA1, "aes256", "sha1", "EX605"),
        (AuthMethod.SHA256, "aes256", "sha256", "EX605"),
        (AuthMethod.CRC, "none", "none", "EX604"),
    ],
)
def test_crypto_follows_authkeys(method: AuthMethod, cipher: str, digest: str, code: str) -> None:
    text, diags = render_corosync(make_config(method=method), HERE)
    assert f"crypto_cipher: {cipher}\n" in text
    assert f"crypto_hash: {digest}\n" in text
    assert code in _codes(diags)


def test_token_from_deadtime_with_floor() -> None:
    assert token_ms(make_config(deadtime_ms=30000)) == 13636
    assert token_ms(make_config(deadtime_ms=2200, keepalive_ms=1000)) == 1000
    text, _ = render_corosync(make_config(deadtime_ms=11000), HERE)
    assert "token: 5000\n" in text


def test_short_deadtime_warns_about_the_token_floor() -> None:
    _, diags = render_corosync(make_config(deadtime_ms=500, keepalive_ms=100), HERE)
    assert "EX621" in _codes(diags)
    _, diags = render_corosync(make_config(deadtime_ms=3000, keepalive_ms=1000), HERE)
    assert "EX621" not in _codes(diags)


def test_two_node_quorum_only_for_two_nodes() -> None:
    two, _ = render_corosync(make_config(), HERE)
    three, _ = render_corosync(make_config(nodes=("node1", "node2", "node3")), HERE)
    assert "two_node: 1" in two
    assert "provider: corosync_votequorum" in three and "two_node" not in three


def test_cluster_name_node_ids_and_logging() -> None:
    text, _ = render_corosync(make_config(cluster="shop", logfacility="local3"), HERE)
    assert "cluster_name: shop\n" in text
    assert "name: node1\n        nodeid: 1\n" in text
    assert "name: node2\n        nodeid: 2\n" in text
    assert "syslog_facility: local3\n" in text
    quiet, _ = render_corosync(make_config(logfacility="none"), HERE)
    assert "to_syslog: no\n" in quiet


# --- corosync's own parser -------------------------------------------------------------


@needs_corosync
@pytest.mark.netns
@pytest.mark.parametrize("method", [AuthMethod.SHA1, AuthMethod.CRC])
def test_corosync_accepts_export(method: AuthMethod, tmp_path: Path) -> None:
    cfg = make_config(media=(ucast("eth0", "192.0.2.12"),), method=method)
    text, _ = render_corosync(cfg, HERE)
    cp = corosync_t(text, tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_corosync
@pytest.mark.netns
def test_corosync_accepts_two_links(tmp_path: Path) -> None:
    cfg = make_config(media=(bcast("eth0"), bcast("eth1")))
    given = {"node1": ("192.0.2.11", "198.51.100.11"), "node2": ("192.0.2.12", "198.51.100.12")}
    text, _ = render_corosync(cfg, NodeAddresses(given, {}))
    cp = corosync_t(text, tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_corosync
@pytest.mark.netns
def test_corosync_rejects_placeholder_so_it_cannot_be_deployed_by_mistake(tmp_path: Path) -> None:
    cfg = make_config(media=(ucast("eth0", "192.0.2.12"),))
    text, _ = render_corosync(cfg, NOWHERE)
    text = text.replace(placeholder("node1", "eth0"), "192.0.2.11")  # the local node
    bad = text.replace("192.0.2.12", placeholder("node2", "eth0"))
    cp = corosync_t(bad, tmp_path)
    assert cp.returncode != 0
