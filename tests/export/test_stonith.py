"""Legacy stonith/stonith_host lines -> fence-agents devices; checked against the real
cluster-glue plugins (parameter order) and the real fence agents (parameter names)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ha_agents.config.model import ClusterConfig, Location
from ha_agents.export.cib import render_cib
from ha_agents.export.crmsh import render_crmsh
from ha_agents.export.pcs import render_pcs
from ha_agents.export.plan import build_plan
from ha_agents.export.primitives import ScriptInfo
from ha_agents.export.stonith import TYPES, split_params

from .builders import HACF, group, make_config
from .verify import needs_crm_verify

CI = os.environ.get("CI") == "true"
IPMI = ("*", "external/ipmi", "node2", "203.0.113.12", "admin", "s3cret", "lanplus")


def _missing(tool: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        shutil.which(tool) is None and not CI,
        reason=f"needs {tool} (make deps installs it; CI has it)",
    )


def _cfg(
    stonith_hosts: tuple[tuple[str, ...], ...] = (), stonith: tuple[tuple[str, str], ...] = ()
) -> ClusterConfig:
    cfg = make_config(group("node1", "IPaddr::192.0.2.50/24/eth0"))
    locs = {
        "stonith_host": tuple(Location(HACF, 20 + i) for i in range(len(stonith_hosts))),
        "stonith": tuple(Location(HACF, 30 + i) for i in range(len(stonith))),
    }
    hacf = dataclasses.replace(
        cfg.hacf, stonith_hosts=stonith_hosts, stonith=stonith, entry_locations=locs
    )
    return dataclasses.replace(cfg, hacf=hacf)


def test_params_are_positional_and_the_last_takes_the_rest() -> None:
    names = ("hostlist", "dom0")
    assert split_params(names, "node1 node2 xen-host") == {
        "hostlist": "node1",
        "dom0": "node2 xen-host",
    }
    assert split_params(("ipaddr", "login", "password"), "192.0.2.9 apc") is None


def test_ipmi_line_becomes_fence_ipmilan_and_fencing_is_enabled() -> None:
    plan, diags = build_plan(_cfg((IPMI,)), ScriptInfo())
    assert plan.stonith_enabled
    (fence,) = plan.fences
    assert (fence.id, fence.device.agent, fence.avoid) == ("fence_node2", "fence_ipmilan", ())
    assert fence.device.params == (
        ("ip", "203.0.113.12"),
        ("username", "admin"),
        ("password", "s3cret"),
        ("lanplus", "1"),
        ("pcmk_host_list", "node2"),
    )
    codes = [(d.code, d.line) for d in diags]
    assert ("EX622", 20) in codes and "EX603" not in [c for c, _ in codes]


def test_stonith_host_for_one_node_keeps_the_device_off_the_others() -> None:
    line = ("node1", "apcmaster", "203.0.113.5", "apc", "apc pass word")
    plan, _ = build_plan(_cfg((line,)), ScriptInfo())
    (fence,) = plan.fences
    assert fence.device.params[-1] == ("password", "apc pass word")
    assert fence.avoid == ("node2",)
    cib = ET.fromstring(render_cib(plan))
    (loc,) = cib.findall(".//rsc_location[@rsc='fence_apcmaster']")
    assert (loc.get("node"), loc.get("score")) == ("node2", "-INFINITY")
    crm = render_crmsh(plan)
    assert "primitive fence_apcmaster stonith:fence_apc \\\n\tparams ip=203.0.113.5" in crm
    assert "location loc_fence_apcmaster_avoids_node2 fence_apcmaster -inf: node2" in crm
    pcs = render_pcs(plan)
    assert 'pcs -f "$CIB" constraint location fence_apcmaster avoids node2' in pcs
    assert "stonith create fence_apcmaster fence_apc ip=203.0.113.5" in pcs
    assert "property set stonith-enabled=true" in pcs


@pytest.mark.parametrize(
    "line",
    [
        ("*", "external/ssh", "node1 node2"),  # no fence agent: test-only in Heartbeat too
        ("*", "null", "node1 node2"),
        ("*", "meatware", "node1 node2"),
        ("*", "external/ipmi", "node2", "203.0.113.12"),  # too few parameters
    ],
)
def test_unmapped_or_incomplete_line_is_a_warning_and_fencing_stays_off(
    line: tuple[str, ...],
) -> None:
    plan, diags = build_plan(_cfg((IPMI, line)), ScriptInfo())
    assert not plan.stonith_enabled and len(plan.fences) == 1
    assert ("EX620", 21) in [(d.code, d.line) for d in diags]
    assert "EX603" in [d.code for d in diags]


def test_stonith_file_line_is_read_by_the_caller() -> None:
    cfg = _cfg(stonith=(("wti_nps", "/etc/ha.d/wti.cfg"),))
    plan, _ = build_plan(cfg, ScriptInfo(stonith_files={"/etc/ha.d/wti.cfg": "203.0.113.7 pw"}))
    assert plan.stonith_enabled
    assert plan.fences[0].device.params == (("ip", "203.0.113.7"), ("password", "pw"))
    plan, diags = build_plan(cfg, ScriptInfo())
    assert not plan.stonith_enabled and "could not be read" in " ".join(d.message for d in diags)


@_missing("stonith")
@pytest.mark.parametrize("stype", sorted(TYPES))
def test_plugin_parameter_order_is_cluster_glues(stype: str) -> None:
    """``stonith -t TYPE -n`` (cluster-glue, installed with heartbeat) names them."""
    cp = subprocess.run(
        ["stonith", "-t", stype, "-n"], capture_output=True, text=True, timeout=30, check=False
    )
    assert tuple(cp.stdout.split()) == TYPES[stype].names, cp.stderr


@_missing("fence_ipmilan")
@pytest.mark.parametrize("stype", sorted(TYPES))
def test_every_parameter_is_one_the_fence_agent_declares(stype: str) -> None:
    agent = TYPES[stype].agent
    cp = subprocess.run(
        [f"/usr/sbin/{agent}", "-o", "metadata"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    declared = set(re.findall(r'<parameter name="([a-z_]+)"', cp.stdout))
    line = ("*", stype, *(f"v{i}" for i in range(len(TYPES[stype].names) - 1)), "lanplus")
    plan, _ = build_plan(_cfg((line,)), ScriptInfo())
    used = {n for n, _ in plan.fences[0].device.params if not n.startswith("pcmk_")}
    assert used and used <= declared, (agent, used - declared)


ONLINE = "".join(
    f'<node_state id="{i}" uname="node{i}" in_ccm="true" crmd="online" join="member" '
    'expected="member"/>'
    for i in (1, 2)
)


@needs_crm_verify
def test_cib_with_fence_devices_passes_crm_verify_and_places_them(tmp_path: Path) -> None:
    """With fencing on, an offline CIB has unclean nodes: check it as a running cluster
    (both nodes online, quorum) would see it, and where the scheduler puts each device."""
    apc = ("node1", "apcmaster", "203.0.113.5", "apc", "pw")
    plan, _ = build_plan(_cfg((IPMI, apc)), ScriptInfo())
    xml = render_cib(plan).replace("<cib ", '<cib have-quorum="1" ', 1)
    xml = xml.replace("<status />", f"<status>{ONLINE}</status>")
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    cp = subprocess.run(
        ["crm_verify", "-VVV", "--xml-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cp.returncode == 0, cp.stdout + cp.stderr
    starts = dict(re.findall(r"Start\s+(\S+)\s+\(\s*(\S+)\s*\)", cp.stdout + cp.stderr))
    assert starts["fence_apcmaster"] == "node1"  # stonith_host node1: only there
    assert set(starts) == {"ip_192.0.2.50", "fence_node2", "fence_apcmaster"}
