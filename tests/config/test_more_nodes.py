"""ha.cf with more than two nodes: membership is fine, haresources is refused (HR209) with
a pointer to the Pacemaker export, which still exports it (as a warning).

Why refused: on real Heartbeat 3.0.6 with three nodes (tests/lab, 2026-12), a power loss
of node1 made node2 AND node3 run mach_down and take node1's group: its address was up on
both, and both logged "Both machines own foreign resources!".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ha_agents.cli import main
from ha_agents.config.crosscheck import TWO_NODE_RESOURCES
from ha_agents.config.load import load_config

HA_CF = """keepalive 1
deadtime 10
initdead 20
udpport 694
ucast eth0 192.0.2.11
ucast eth0 192.0.2.12
ucast eth0 192.0.2.13
auto_failback on
{nodes}
"""


def _dir(tmp_path: Path, nodes: int, haresources: str) -> Path:
    d = tmp_path / "ha.d"
    d.mkdir()
    names = "\n".join(f"node node{i}" for i in range(1, nodes + 1))
    (d / "ha.cf").write_text(HA_CF.format(nodes=names))
    (d / "haresources").write_text(haresources)
    (d / "authkeys").write_text("auth 1\n1 sha1 secret\n")
    (d / "authkeys").chmod(0o600)
    return d


def _codes(d: Path) -> list[str]:
    _, diags = load_config(str(d), "node1", remote=True)
    return [f"{x.severity.value} {x.code}" for x in diags if x.code.startswith("HR")]


def test_three_nodes_with_haresources_is_refused_pointing_at_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _dir(tmp_path, 3, "# groups\nnode1 IPaddr::192.0.2.50/24/eth0\n")
    cfg, diags = load_config(str(d), "node1", remote=True)
    assert cfg is None
    (hr,) = [x for x in diags if x.code == TWO_NODE_RESOURCES]
    assert (hr.path, hr.line, hr.severity.value) == (str(d / "haresources"), 2, "error")
    assert "ha-agents export pacemaker" in hr.message and "3 nodes" in hr.message
    assert main(["check", "--config-dir", str(d), "--node", "node1", "--remote"]) == 1
    printed = capsys.readouterr()
    assert "error: HR209" in printed.out + printed.err


@pytest.mark.parametrize(("nodes", "haresources"), [(3, ""), (4, "# none\n"), (2, "node1 a\n")])
def test_membership_only_or_two_nodes_is_not_refused(
    tmp_path: Path, nodes: int, haresources: str
) -> None:
    assert "error HR209" not in _codes(_dir(tmp_path, nodes, haresources))


def test_export_pacemaker_exports_the_refused_cluster_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _dir(tmp_path, 3, "node1 IPaddr::192.0.2.50/24/eth0\nnode2 192.0.2.51\n")
    out = tmp_path / "out"
    argv = ["export", "pacemaker", "--config-dir", str(d), "--node", "node1"]
    addrs = [f"--node-address=node{i}=192.0.2.1{i}" for i in (1, 2, 3)]
    assert main([*argv, *addrs, "--format", "crmsh", "--output-dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: HR209" in err and "error" not in err
    conf = (out / "corosync.conf").read_text()
    assert "ring0_addr: 192.0.2.13" in conf and "two_node" not in conf
    crm = (out / "crm.txt").read_text()
    assert "location loc_grp_ip_192.0.2.50_prefers_node1 grp_ip_192.0.2.50 100: node1" in crm
    assert main(["export", "keepalived", "--config-dir", str(d), "--node", "node1"]) == 1
