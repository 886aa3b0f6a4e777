"""Pacemaker plan + CIB/crmsh/pcs renderers; the CIB goes through the real crm_verify."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ha_agents.config.model import AutoFailback
from ha_agents.export.cib import render_cib
from ha_agents.export.crmsh import quote, render_crmsh
from ha_agents.export.pcs import render_pcs
from ha_agents.export.plan import PacemakerPlan, build_plan, safe_id
from ha_agents.export.primitives import ScriptInfo, ScriptKind

from .builders import group, make_config
from .verify import crm_verify, needs_crm_verify

INFO = ScriptInfo(
    {"lighttpd": ScriptKind.LSB, "httpd": ScriptKind.OURS, "myapp": ScriptKind.HEARTBEAT}
)


def _web_cluster(**kw: object) -> tuple[PacemakerPlan, list[str]]:
    cfg = make_config(
        group(
            "node1",
            "IPaddr::192.0.2.50/24/eth0",
            "Filesystem::/dev/sdb1::/srv/www::ext4",
            "lighttpd",
            line=1,
        ),
        group("node2", "192.0.2.51", "httpd", "myapp::x", line=2),
        **kw,  # type: ignore[arg-type]
    )
    plan, diags = build_plan(cfg, INFO)
    return plan, [d.code for d in diags]


def test_groups_keep_order_home_and_skip_unknown_script() -> None:
    plan, codes = _web_cluster()
    assert [(g.id, g.home) for g in plan.groups] == [
        ("grp_ip_192.0.2.50", "node1"),
        ("grp_ip_192.0.2.51", "node2"),
    ]
    assert [rid for rid, _ in plan.groups[0].primitives] == [
        "ip_192.0.2.50",
        "fs_srv_www",
        "lighttpd",
    ]
    assert [p.agent for _, p in plan.groups[1].primitives] == [
        "ocf:heartbeat:IPaddr2",
        "ocf:ha_agents:httpd",
    ]
    assert "EX601" in codes  # myapp left out, with the manual step


@pytest.mark.parametrize(
    ("mode", "stickiness", "note"),
    [
        (AutoFailback.ON, "0", False),
        (AutoFailback.OFF, "INFINITY", False),
        (AutoFailback.LEGACY, "0", True),
    ],
)
def test_stickiness_from_auto_failback(mode: AutoFailback, stickiness: str, note: bool) -> None:
    plan, codes = _web_cluster(auto_failback=mode)
    assert plan.stickiness == stickiness
    assert ("EX615" in codes) is note


def test_fencing_disabled_with_loud_warning() -> None:
    plan, codes = _web_cluster()
    assert plan.stonith_enabled is False
    assert "EX603" in codes


def test_ping_nodes_give_clone_and_rule_and_ipfail_note() -> None:
    plan, codes = _web_cluster(ping=("192.0.2.254", "192.0.2.253"))
    assert plan.ping is not None
    assert plan.ping.hosts == ("192.0.2.254", "192.0.2.253")
    assert "EX611" in codes
    ipfail = (("hacluster", "/usr/libexec/heartbeat/ipfail", ()),)
    _, codes = _web_cluster(ping=("192.0.2.254",), respawn=ipfail)
    assert "EX611" not in codes


def test_no_ping_nodes_no_clone() -> None:
    plan, _ = _web_cluster()
    assert plan.ping is None


def test_same_resource_in_two_groups_gets_unique_ids_and_warning() -> None:
    cfg = make_config(
        group("node1", "192.0.2.50", "lighttpd", line=1),
        group("node2", "192.0.2.51", "lighttpd", line=2),
    )
    plan, diags = build_plan(cfg, INFO)
    ids = [rid for g in plan.groups for rid, _ in g.primitives]
    assert len(ids) == len(set(ids))
    assert "lighttpd-2" in ids
    assert [(d.code, d.line) for d in diags if d.code == "EX609"] == [("EX609", 2)]


def test_empty_group_is_skipped() -> None:
    cfg = make_config(group("node1", line=3))
    plan, diags = build_plan(cfg, INFO)
    assert plan.groups == ()
    assert ("EX610", 3) in [(d.code, d.line) for d in diags]


def test_safe_id_makes_xml_ids() -> None:
    assert safe_id("ip_192.0.2.5") == "ip_192.0.2.5"
    assert safe_id("192.0.2.5") == "r_192.0.2.5"
    assert safe_id("a b/c") == "a_b_c"
    assert safe_id("///") == "x"


# --- CIB --------------------------------------------------------------------------------


def test_cib_structure() -> None:
    plan, _ = _web_cluster(auto_failback=AutoFailback.OFF, ping=("192.0.2.254",))
    root = ET.fromstring(render_cib(plan))
    conf = root.find("configuration")
    assert conf is not None
    props = {nv.get("name"): nv.get("value") for nv in conf.iter("nvpair")}
    assert props["stonith-enabled"] == "false"
    assert props["resource-stickiness"] == "INFINITY"
    assert props["cluster-name"] == "linux-ha"
    assert [(n.get("id"), n.get("uname")) for n in conf.iter("node")] == [
        ("1", "node1"),
        ("2", "node2"),
    ]
    ip = conf.find(".//primitive[@id='ip_192.0.2.50']")
    assert ip is not None
    assert (ip.get("class"), ip.get("provider"), ip.get("type")) == ("ocf", "heartbeat", "IPaddr2")
    locs = {(c.get("rsc"), c.get("node"), c.get("score")) for c in conf.iter("rsc_location")}
    assert ("grp_ip_192.0.2.50", "node1", "100") in locs
    rule = conf.find(".//rsc_location[@id='loc_grp_ip_192.0.2.50_connected']/rule")
    assert rule is not None and rule.get("score") == "-INFINITY"
    exprs = [(e.get("operation"), e.get("value")) for e in rule.iter("expression")]
    assert exprs == [("not_defined", None), ("lte", "0")]
    clone = conf.find(".//clone[@id='ping-clone']/primitive")
    assert clone is not None and clone.get("type") == "ping"


@needs_crm_verify
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"auto_failback": AutoFailback.OFF, "ping": ("192.0.2.254", "192.0.2.253")},
        {"nodes": ("node1", "node2", "node3")},
    ],
)
def test_crm_verify_accepts_cib(kw: dict[str, object], tmp_path: Path) -> None:
    plan, _ = _web_cluster(**kw)
    cp = crm_verify(render_cib(plan), tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_crm_verify
def test_crm_verify_accepts_awkward_text(tmp_path: Path) -> None:
    cfg = make_config(
        group("node1", 'MailTo::ops@example.com::<fail> & "over" -- now', line=1),
        group("node2", "Filesystem::/dev/sdc::/srv/a b::xfs::--bind", line=2),
    )
    plan, _ = build_plan(cfg, INFO)
    cp = crm_verify(render_cib(plan), tmp_path)
    assert cp.returncode == 0, cp.stdout + cp.stderr


@needs_crm_verify
def test_crm_verify_would_catch_a_broken_cib(tmp_path: Path) -> None:
    """The checker really checks: a duplicated id makes it fail."""
    plan, _ = _web_cluster()
    xml = render_cib(plan).replace('id="fs_srv_www"', 'id="ip_192.0.2.50"')
    assert crm_verify(xml, tmp_path).returncode != 0


# --- crmsh / pcs (not installed: checked structurally) ------------------------------------


def test_crmsh_script_lines() -> None:
    plan, _ = _web_cluster(ping=("192.0.2.254",))
    text = render_crmsh(plan, ["myapp must be converted"])
    joined = text.replace(" \\\n\t", " ")
    lines = joined.splitlines()
    assert "# MANUAL: myapp must be converted" in lines
    assert "property cib-bootstrap-options: cluster-name=linux-ha stonith-enabled=false" in lines
    assert "rsc_defaults rsc-options: resource-stickiness=0" in lines
    assert (
        "primitive ip_192.0.2.50 ocf:heartbeat:IPaddr2 params ip=192.0.2.50 cidr_netmask=24 "
        "nic=eth0 op monitor interval=10s timeout=20s"
    ) in lines
    assert "group grp_ip_192.0.2.50 ip_192.0.2.50 fs_srv_www lighttpd" in lines
    assert "location loc_grp_ip_192.0.2.50_prefers_node1 grp_ip_192.0.2.50 100: node1" in lines
    assert "clone ping-clone ping" in lines
    assert (
        "location loc_grp_ip_192.0.2.51_connected grp_ip_192.0.2.51 rule -inf: "
        "not_defined pingd or pingd lte 0"
    ) in lines
    # every primitive named in a group is defined before the group
    defined: set[str] = set()
    for line in lines:
        words = line.split()
        if words[:1] == ["primitive"]:
            defined.add(words[1])
        if words[:1] == ["group"]:
            assert set(words[2:]) <= defined


def test_crmsh_quote() -> None:
    assert quote("192.0.2.5") == "192.0.2.5"
    assert quote("a b") == '"a b"'
    assert quote('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'


def test_pcs_script_is_valid_shell_with_expected_commands(tmp_path: Path) -> None:
    import subprocess

    plan, _ = _web_cluster(ping=("192.0.2.254",))
    text = render_pcs(plan, ["myapp must be converted"])
    path = tmp_path / "pcs.sh"
    path.write_text(text)
    assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
    cmds = [shlex.split(line) for line in text.splitlines() if line.startswith("pcs ")]
    assert cmds[0] == ["pcs", "cluster", "cib", "$CIB"]
    assert cmds[-1] == ["pcs", "cluster", "cib-push", "$CIB", "--config"]
    body = [c[3:] for c in cmds[1:-1]]
    assert all(c[:3] == ["pcs", "-f", "$CIB"] for c in cmds[1:-1])
    assert ["property", "set", "stonith-enabled=false"] in body
    assert ["resource", "defaults", "update", "resource-stickiness=0"] in body
    create = next(c for c in body if c[:3] == ["resource", "create", "ip_192.0.2.50"])
    assert create[3] == "ocf:heartbeat:IPaddr2"
    assert create[-2:] == ["--group", "grp_ip_192.0.2.50"]
    assert "cidr_netmask=24" in create
    assert ["constraint", "location", "grp_ip_192.0.2.50", "prefers", "node1=100"] in body
    ping = next(c for c in body if c[:3] == ["resource", "create", "ping"])
    assert ping[-1] == "clone" and "host_list=192.0.2.254" in ping
    rule = next(c for c in body if "rule" in c and "grp_ip_192.0.2.51" in c)
    assert rule[-6:] == ["not_defined", "pingd", "or", "pingd", "lte", "0"]
    assert "score=-INFINITY" in rule
