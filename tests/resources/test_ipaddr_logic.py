"""IPaddr's pure logic with an in-memory AddressManager; the SDK IPaddr run in-process
(inprocess.run_ipaddr, as the daemon calls it) over that manager; GARP frames; httpd URL
rules."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ha_agents.agents.httpd import servers as httpd
from ha_agents.agents.ipaddr import logic as ipaddr
from ha_agents.agents.ipaddr.garp import arp_frame
from ha_agents.agents.ipaddr.inprocess import run_ipaddr
from ha_agents.agents.ipaddr.logic import AddressManager, AddrInfo, IPaddrParams, OpResult


def main(
    argv: Sequence[str],
    env: Mapping[str, str],
    out: io.StringIO,
    err: io.StringIO,
    mgr: AddressManager,
) -> int:
    """One in-process IPaddr action over ``mgr``; its exit code, its text into out/err."""
    rc, stdout, stderr = run_ipaddr(argv, env, manager=lambda: contextlib.nullcontext(mgr))
    out.write(stdout)
    err.write(stderr)
    return rc


class MemAddrs:
    """Interfaces with addresses and connected routes, in memory."""

    def __init__(self) -> None:
        self.addrs: dict[str, list[tuple[str, int, str]]] = {"eth0": [("192.0.2.11", 24, "eth0")]}
        self.routes = [("192.0.2.0/24", "eth0")]
        self.fail_add: str | None = None

    def find(self, ip: str) -> AddrInfo | None:
        for ifname, lst in self.addrs.items():
            for a, p, label in lst:
                if a == ip:
                    return AddrInfo(ifname, p, label)
        return None

    def connected(self, ip: str, nic: str | None) -> tuple[str, int] | None:
        for net, ifname in self.routes:
            n = ipaddress.IPv4Network(net)
            if ipaddress.IPv4Address(ip) in n and nic in (None, ifname):
                return ifname, n.prefixlen
        return None

    def labels(self, ifname: str) -> set[str]:
        return {label for _, _, label in self.addrs.get(ifname, [])}

    def link_exists(self, ifname: str) -> bool:
        return ifname in self.addrs

    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> OpResult:
        if self.fail_add:
            return OpResult(False, "error", self.fail_add)
        ip, _, p = cidr.partition("/")
        self.addrs[ifname].append((ip, int(p), label))
        return OpResult(True, "added")

    def remove(self, ifname: str, cidr: str) -> OpResult:
        ip = cidr.split("/")[0]
        self.addrs[ifname] = [x for x in self.addrs[ifname] if x[0] != ip]
        return OpResult(True, "removed")


class Announcements:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def announce(self, ifname: str, ip: str) -> str | None:
        self.sent.append((ifname, ip))
        return None


@pytest.mark.parametrize(
    ("arg", "want"),
    [
        ("192.0.2.5", IPaddrParams(ipaddress.IPv4Address("192.0.2.5"))),
        ("192.0.2.5/24", IPaddrParams(ipaddress.IPv4Address("192.0.2.5"), 24)),
        (
            "192.0.2.5/255.255.255.0/eth1",
            IPaddrParams(ipaddress.IPv4Address("192.0.2.5"), 24, "eth1"),
        ),
        (
            "192.0.2.5/24/eth0/192.0.2.255",
            IPaddrParams(
                ipaddress.IPv4Address("192.0.2.5"), 24, "eth0", ipaddress.IPv4Address("192.0.2.255")
            ),
        ),
        (
            "192.0.2.5/24/192.0.2.255",
            IPaddrParams(
                ipaddress.IPv4Address("192.0.2.5"), 24, None, ipaddress.IPv4Address("192.0.2.255")
            ),
        ),
    ],
)
def test_parse_heartbeat_forms(arg: str, want: IPaddrParams) -> None:
    assert ipaddr.parse_heartbeat(arg) == want


@pytest.mark.parametrize(
    "arg",
    [
        "192.0.2",
        "192.0.2.5/33",
        "192.0.2.5/255.0.255.0",
        "x/24",
        "127.0.0.1",
        "192.0.2.5/24/averyveryverylongname",
        "1/2/3/4/5",
    ],
)
def test_parse_heartbeat_rejects_bad_input_with_text(arg: str) -> None:
    assert isinstance(ipaddr.parse_heartbeat(arg), str)


def test_start_finds_interface_and_prefix_from_route_labels_first_free_alias() -> None:
    m, ann = MemAddrs(), Announcements()
    m.addrs["eth0"].append(("192.0.2.40", 24, "eth0:0"))
    res = ipaddr.start(ipaddr.IPaddrParams(ipaddress.IPv4Address("192.0.2.50")), m, ann)
    assert res.ok and res.running
    assert ("192.0.2.50", 24, "eth0:1") in m.addrs["eth0"]
    assert ann.sent == [("eth0", "192.0.2.50")]


def test_start_stop_are_idempotent_and_do_not_announce_twice() -> None:
    m, ann = MemAddrs(), Announcements()
    p = IPaddrParams(ipaddress.IPv4Address("192.0.2.50"))
    assert ipaddr.start(p, m, ann).ok and ipaddr.start(p, m, ann).ok
    assert len(ann.sent) == 1
    assert ipaddr.stop(p, m).ok and ipaddr.stop(p, m).ok
    assert ipaddr.status(p, m).running is False


def test_start_without_route_is_a_configuration_error() -> None:
    res = ipaddr.start(
        IPaddrParams(ipaddress.IPv4Address("198.51.100.9")), MemAddrs(), Announcements()
    )
    assert (res.ok, res.configured) == (False, False)
    assert "no interface has a route to 198.51.100.9" in res.message


def test_free_label_falls_back_to_the_bare_name_when_alias_would_not_fit() -> None:
    assert ipaddr.free_label("eth0", {"eth0:0", "eth0:1"}) == "eth0:2"
    assert ipaddr.free_label("averylongname1", set()) == "averylongname1"


def test_agent_main_heartbeat_status_prints_running_or_stopped() -> None:
    m = MemAddrs()
    out = io.StringIO()
    assert main(["IPaddr", "192.0.2.11", "status"], {}, out, io.StringIO(), m) == 0
    assert out.getvalue() == "running\n"
    out = io.StringIO()
    assert main(["IPaddr", "192.0.2.12", "status"], {}, out, io.StringIO(), m) == 3
    assert out.getvalue() == "stopped\n"


def test_agent_main_ocf_codes() -> None:
    m = MemAddrs()
    env = {"OCF_RESKEY_ip": "192.0.2.12"}
    assert main(["IPaddr", "monitor"], env, io.StringIO(), io.StringIO(), m) == 7
    assert main(["IPaddr", "validate-all"], env, io.StringIO(), io.StringIO(), m) == 0
    assert main(["IPaddr", "monitor"], {}, io.StringIO(), io.StringIO(), m) == 6
    assert main(["IPaddr", "promote"], env, io.StringIO(), io.StringIO(), m) == 3
    # no route to the address: not configured (6), from validate-all and from start
    far = {"OCF_RESKEY_ip": "198.51.100.9"}
    assert main(["IPaddr", "validate-all"], far, io.StringIO(), io.StringIO(), m) == 6
    assert main(["IPaddr", "start"], far, io.StringIO(), io.StringIO(), m) == 6
    assert m.find("198.51.100.9") is None


def test_agent_main_rejects_bad_arguments_with_a_message_not_a_traceback() -> None:
    m, env = MemAddrs(), {"OCF_RESKEY_ip": "192.0.2.12"}
    # heartbeat-class with two arguments: IPaddr takes one (IP[/PREFIX[/NIC[/BCAST]]])
    # (status: Heartbeat reads the word; "failed" is neither running nor OK)
    out, err = io.StringIO(), io.StringIO()
    assert main(["IPaddr", "192.0.2.12", "b", "status"], env, out, err, m) == 1
    assert out.getvalue() == "failed\n"
    assert "too many arguments" in err.getvalue() and "Traceback" not in err.getvalue()
    assert main(["IPaddr", "192.0.2.12", "b", "start"], env, io.StringIO(), io.StringIO(), m) == 2
    # an unknown operation is "unimplemented" (3) in every convention
    assert main(["IPaddr", "192.0.2.12", "bogus"], env, io.StringIO(), io.StringIO(), m) == 3
    # out-of-range ARP settings are rejected (exit 2, OCF_ERR_ARGS), not silently clamped
    for name, value in (("arp_count", "0"), ("arp_count", "101"), ("arp_interval", "-1")):
        err = io.StringIO()
        bad = {**env, f"OCF_RESKEY_{name}": value}
        assert main(["IPaddr", "validate-all"], bad, io.StringIO(), err, m) == 2, name
        assert name in err.getvalue()


def test_agent_main_start_and_stop_through_the_sdk_are_idempotent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """start adds 192.0.2.50 as eth0:0 (interface and prefix from the route); a second
    start and a second stop succeed without touching anything."""
    m = MemAddrs()
    announced: list[tuple[str, str]] = []

    def fake_announce(self: object, ifname: str, ip: str) -> None:
        announced.append((ifname, ip))

    monkeypatch.setattr("ha_agents.agents.ipaddr.garp.RawGarp.announce", fake_announce)
    hb = ["IPaddr", "192.0.2.50", "start"]
    assert main(hb, {}, io.StringIO(), io.StringIO(), m) == 0
    assert ("192.0.2.50", 24, "eth0:0") in m.addrs["eth0"]
    assert main(hb, {}, io.StringIO(), io.StringIO(), m) == 0
    assert announced == [("eth0", "192.0.2.50")]
    out = io.StringIO()
    assert main(["IPaddr", "192.0.2.50", "status"], {}, out, io.StringIO(), m) == 0
    assert out.getvalue() == "running\n"
    for _ in range(2):
        assert main(["IPaddr", "192.0.2.50", "stop"], {}, io.StringIO(), io.StringIO(), m) == 0
        assert m.find("192.0.2.50") is None


@pytest.mark.parametrize("agent", ["IPaddr", "httpd"])
def test_meta_data_validates_against_ra_api_dtd(tmp_path: Path, agent: str) -> None:
    dtd = Path("/usr/share/resource-agents/ra-api-1.dtd")
    if not dtd.exists():
        pytest.skip("needs resource-agents' ra-api-1.dtd")
    from ha_agents.agent import meta_data
    from ha_agents.agents.httpd.agent import Httpd
    from ha_agents.agents.ipaddr.agent import IPaddr

    text = meta_data(IPaddr if agent == "IPaddr" else Httpd)
    f = tmp_path / f"{agent}.xml"
    f.write_text(text)
    res = subprocess.run(
        ["xmllint", "--noout", "--dtdvalid", str(dtd), str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert f'<resource-agent name="{agent}"' in text


def test_gratuitous_arp_frames_are_well_formed() -> None:
    mac = bytes.fromhex("020000000001")
    req = arp_frame(mac, "192.0.2.50", 1)
    rep = arp_frame(mac, "192.0.2.50", 2)
    assert len(req) == len(rep) == 60
    assert req[:6] == b"\xff" * 6 and req[6:12] == mac and req[12:14] == b"\x08\x06"
    assert req[14:22] == bytes.fromhex("0001080006040001")
    assert req[22:28] == mac and req[28:32] == bytes([192, 0, 2, 50])
    assert req[32:38] == b"\x00" * 6 and req[38:42] == bytes([192, 0, 2, 50])
    assert rep[20:22] == b"\x00\x02" and rep[32:38] == b"\xff" * 6


@pytest.mark.parametrize(
    ("server", "conf", "url"),
    [
        ("lighttpd", 'server.port = 8080\nserver.bind = "192.0.2.50"\n', "http://192.0.2.50:8080/"),
        ("lighttpd", "", "http://127.0.0.1:80/"),
        ("nginx", "http {\n server {\n  listen 192.0.2.5:81;\n", "http://192.0.2.5:81/"),
        ("nginx", "  listen 8000;\n", "http://127.0.0.1:8000/"),
        ("apache2", "Listen 80\n", "http://127.0.0.1:80/"),
    ],
)
def test_httpd_url_from_config(server: str, conf: str, url: str) -> None:
    assert httpd.url_from_config(server, conf) == url


def test_httpd_picks_the_first_installed_server_or_explains() -> None:
    which = {"nginx": "/usr/sbin/nginx"}.get
    p = httpd.resolve_params(None, None, None, which, lambda _: "listen 80;")
    assert isinstance(p, httpd.HttpdParams) and p.server.name == "nginx"
    assert httpd.resolve_params("lighttpd", None, None, which, lambda _: "") == (
        "no web server installed (looked for lighttpd)"
    )
    assert "unknown web server" in str(httpd.resolve_params("iis", None, None, which, lambda _: ""))
