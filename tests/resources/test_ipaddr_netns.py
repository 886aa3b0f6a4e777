"""Our resource.d/IPaddr for real, in network namespaces (needs root)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.resources.helpers import AGENT_ENV, AGENTS, PY, ha

pytestmark = pytest.mark.netns
IPADDR = str(AGENTS / "IPaddr")
ENV = AGENT_ENV


def agent(host: Any, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    res = host.run([IPADDR, *args], check=False, env={**ENV, **(env or {})})
    return res.returncode, res.stdout + res.stderr


def wait_for(pred: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return bool(pred())


def test_ipaddr_start_adds_labelled_alias_and_peer_sees_gratuitous_arp(
    lab2: Any, tmp_path: Path
) -> None:
    _, a, b = lab2
    capture, log = tmp_path / "arp.txt", tmp_path / "tcpdump.log"
    with capture.open("wb") as out, log.open("wb") as errf:
        argv = ["tcpdump", "-l", "-n", "-e", "-i", "eth0", "-c", "10", "arp"]
        b.popen(argv, stdout=out, stderr=errf)
        assert wait_for(lambda: "listening on" in log.read_text(), 5), log.read_text()
        rc, text = agent(a, "192.0.2.50", "start")
        assert rc == 0, text
        addrs = a.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
        assert "192.0.2.50/24 brd 192.0.2.255 scope global secondary eth0:0" in addrs
        # 5 announcements x (request + reply), 200 ms apart, from a's MAC
        assert wait_for(lambda: capture.read_text().count("192.0.2.50") >= 10, 5), (
            capture.read_text()
        )
    lines = capture.read_text().splitlines()
    mac = a.run(["cat", "/sys/class/net/eth0/address"]).stdout.strip()
    assert all(line.split()[1] == mac for line in lines)
    assert any("Request who-has 192.0.2.50 tell 192.0.2.50" in line for line in lines)
    assert any("Reply 192.0.2.50 is-at " + mac in line for line in lines)
    assert agent(a, "192.0.2.50", "status") == (0, "running\n")
    assert agent(a, "192.0.2.50", "start")[0] == 0  # idempotent
    rc, text = agent(a, "192.0.2.50", "stop")
    assert rc == 0, text
    assert "192.0.2.50" not in a.run(["ip", "-4", "-o", "addr"]).stdout
    assert agent(a, "192.0.2.50", "status") == (3, "stopped\n")
    assert agent(a, "192.0.2.50", "stop")[0] == 0  # idempotent


def test_ipaddr_second_address_gets_next_alias_and_explicit_nic_prefix(lab2: Any) -> None:
    _, a, _ = lab2
    assert agent(a, "192.0.2.50", "start")[0] == 0
    rc, text = agent(a, "192.0.2.51/25/eth0", "start")
    assert rc == 0, text
    addrs = a.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
    assert "192.0.2.51/25 brd 192.0.2.127 scope global eth0:1" in addrs


def test_ipaddr_without_a_route_fails_with_a_clear_message(lab2: Any) -> None:
    _, a, _ = lab2
    # a configuration error is OCF_ERR_CONFIGURED (6) in every convention (Heartbeat only
    # needs it non-zero), with the reason on stderr and no traceback
    rc, text = agent(a, "198.51.100.7", "start")
    assert rc == 6 and "no interface has a route to 198.51.100.7" in text, text
    rc, text = agent(a, "start", env={"OCF_RESKEY_ip": "198.51.100.7"})
    assert rc == 6 and "no interface has a route to 198.51.100.7" in text, text
    rc, text = agent(a, "192.0.2.999", "start")
    assert rc == 6 and "not an IPv4 address" in text and "Traceback" not in text, text
    assert "198.51.100.7" not in a.run(["ip", "-4", "-o", "addr"]).stdout


def test_test_agent_passes_for_our_ipaddr_heartbeat_and_ocf(lab2: Any) -> None:
    _, a, _ = lab2
    rc, out, err = ha(
        a, "test-agent", "IPaddr::192.0.2.52/24", "--json", "--config-dir", "/nonexistent"
    )
    doc = json.loads(out)
    assert rc == 0 and doc["ok"], out + err
    assert doc["class"] == "heartbeat" and doc["script"] == IPADDR
    rc, out, err = ha(a, "test-agent", f"{IPADDR}::ip=192.0.2.53", "--class", "ocf", "--json")
    doc = json.loads(out)
    assert rc == 0 and doc["ok"], out + err
    assert [c["name"] for c in doc["checks"]][:2] == ["meta-data", "validate-all"]


def test_test_agent_passes_for_our_ipaddr_as_an_lsb_init_script(lab2: Any, tmp_path: Path) -> None:
    """As an init script the parameters come from a defaults file (/etc/default/IPaddr,
    here HA_AGENT_DEFAULTS).  test-agent gives every script Heartbeat's HA_* variables,
    which would make the SDK pick heartbeat-class: HA_AGENT_CONVENTION says LSB."""
    _, a, _ = lab2
    defaults = tmp_path / "IPaddr.defaults"
    defaults.write_text("IP=192.0.2.56\nCIDR_NETMASK=24\n")
    env = {"HA_AGENT_CONVENTION": "lsb", "HA_AGENT_DEFAULTS": str(defaults)}
    rc, out, err = ha(a, "test-agent", IPADDR, "--class", "lsb", "--json", env=env)
    doc = json.loads(out)
    assert rc == 0 and doc["ok"] and doc["class"] == "lsb", out + err
    assert "192.0.2.56" not in a.run(["ip", "-4", "-o", "addr"]).stdout


def test_test_agent_passes_for_resource_agents_ipaddr2_and_dummy(lab2: Any, tmp_path: Path) -> None:
    _, a, _ = lab2
    rc, out, err = ha(a, "test-agent", "ocf:heartbeat:IPaddr2::ip=192.0.2.54::cidr_netmask=24")
    assert rc == 0, out + err
    assert "8/8 checks passed" in out
    assert "192.0.2.54" not in a.run(["ip", "-4", "-o", "addr"]).stdout
    junit = tmp_path / "dummy.xml"
    state = tmp_path / "dummy.state"
    rc, out, err = ha(a, "test-agent", f"ocf:heartbeat:Dummy::state={state}", "--junit", str(junit))
    assert rc == 0, out + err
    assert 'tests="8" failures="0"' in junit.read_text()


def test_heartbeats_own_ipaddr_wrapper_runs_under_our_runner(lab2: Any) -> None:
    """/etc/ha.d/resource.d/IPaddr (Heartbeat's wrapper around the OCF IPaddr)."""
    if not Path("/etc/ha.d/resource.d/IPaddr").exists():
        pytest.skip("needs the Debian heartbeat package")
    _, a, _ = lab2
    spec = "IPaddr::192.0.2.55/24/eth0"
    rc, out, err = ha(a, "resource", "start", spec, "--config-dir", "/etc/ha.d", "--json")
    doc = json.loads(out)
    assert rc == 0, out + err
    first = ["/etc/ha.d/resource.d/IPaddr", "192.0.2.55/24/eth0", "status"]
    assert doc["steps"][0]["argv"] == first
    assert [s["op"] for s in doc["steps"]] == ["status", "start"]
    assert "192.0.2.55/24" in a.run(["ip", "-4", "-o", "addr"]).stdout
    rc, out, _ = ha(a, "resource", "status", spec, "--config-dir", "/etc/ha.d")
    assert rc == 0 and "running" in out
    rc, out, err = ha(a, "resource", "stop", spec, "--config-dir", "/etc/ha.d")
    assert rc == 0, out + err
    assert "192.0.2.55" not in a.run(["ip", "-4", "-o", "addr"]).stdout
    rc, out, _ = ha(a, "resource", "status", spec, "--config-dir", "/etc/ha.d")
    assert rc == 3


NETLINK_IDEMPOTENT = """
from ha_agents.agents.ipaddr.netlink import NetlinkAddressManager
with NetlinkAddressManager() as m:
    print(m.add("eth0", "192.0.2.70/24", "eth0:7", "192.0.2.255").code)
    print(m.add("eth0", "192.0.2.70/24", "eth0:7", "192.0.2.255").code)
    print(m.find("192.0.2.70"))
    print(m.remove("eth0", "192.0.2.70/24").code)
    print(m.remove("eth0", "192.0.2.70/24").code)
    print(m.add("nope0", "192.0.2.70/24", "", None))
"""


def test_netlink_add_twice_and_remove_twice_are_idempotent(lab2: Any) -> None:
    _, a, _ = lab2
    out = a.run([PY, "-c", NETLINK_IDEMPOTENT]).stdout.splitlines()
    assert out == [
        "added",
        "exists",
        "AddrInfo(ifname='eth0', prefix=24, label='eth0:7')",
        "removed",
        "absent",
        "OpResult(ok=False, code='error', detail='no interface nope0')",
    ]


def test_no_gratuitous_arp_after_stop(lab2: Any, tmp_path: Path) -> None:
    """A stop right after start ends the background announcements (a failover must not be
    undone by the old owner's late ARPs)."""
    _, a, b = lab2
    capture, log = tmp_path / "arp.txt", tmp_path / "tcpdump.log"
    with capture.open("wb") as out, log.open("wb") as errf:
        argv = ["tcpdump", "-l", "-n", "-i", "eth0", "arp and host 192.0.2.56"]
        b.popen(argv, stdout=out, stderr=errf)
        assert wait_for(lambda: "listening on" in log.read_text(), 5), log.read_text()
        env = {"OCF_RESKEY_arp_count": "10", "OCF_RESKEY_arp_interval": "300"}
        assert agent(a, "192.0.2.56", "start", env=env)[0] == 0
        assert agent(a, "192.0.2.56", "stop")[0] == 0
        time.sleep(0.1)  # frames already sent are still on their way to tcpdump
        at_stop = capture.read_text().count("192.0.2.56")
        time.sleep(1.0)  # without the check, 3 more announcements would come in this time
        assert capture.read_text().count("192.0.2.56") <= at_stop + 2
    assert at_stop < 10 * 2


def test_resource_command_runs_our_ipaddr_in_process_with_all_announcements(
    lab2: Any, tmp_path: Path
) -> None:
    _, a, b = lab2
    capture, log = tmp_path / "arp.txt", tmp_path / "tcpdump.log"
    with capture.open("wb") as out, log.open("wb") as errf:
        argv = ["tcpdump", "-l", "-n", "-i", "eth0", "arp and host 192.0.2.57"]
        b.popen(argv, stdout=out, stderr=errf)
        assert wait_for(lambda: "listening on" in log.read_text(), 5), log.read_text()
        rc, out_text, err = ha(a, "resource", "start", "192.0.2.57", "--config-dir", str(tmp_path))
        assert rc == 0, out_text + err
        # 5 rounds of request + reply, even though the command has already exited
        assert wait_for(lambda: capture.read_text().count("192.0.2.57") >= 10, 3), (
            capture.read_text()
        )
    assert "192.0.2.57/24" in a.run(["ip", "-4", "-o", "addr"]).stdout
    assert ha(a, "resource", "stop", "192.0.2.57", "--config-dir", str(tmp_path))[0] == 0
