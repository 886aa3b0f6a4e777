"""haresources resource -> Pacemaker primitive, one mapping rule per test."""

from __future__ import annotations

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.export.primitives import Primitive, ScriptInfo, ScriptKind, to_primitive

from .builders import spec

NONE = ScriptInfo()


def _one(
    text: str, info: ScriptInfo = NONE
) -> tuple[Primitive | None, list[tuple[str, int]], list[Diagnostic]]:
    prim, diags = to_primitive(spec(text, line=7), info)
    return prim, [(d.code, d.line) for d in diags], diags


def test_ipaddr_full_form_maps_to_ipaddr2_params() -> None:
    prim, codes, _ = _one("IPaddr::192.0.2.50/24/eth0:web/192.0.2.255")
    assert prim is not None and codes == []
    assert prim.agent == "ocf:heartbeat:IPaddr2"
    assert prim.params == (
        ("ip", "192.0.2.50"),
        ("cidr_netmask", "24"),
        ("nic", "eth0"),
        ("iflabel", "web"),
        ("broadcast", "192.0.2.255"),
    )
    assert [op.name for op in prim.ops] == ["monitor"]


def test_bare_ip_and_ipaddr2_map_like_ipaddr() -> None:
    bare, _, _ = _one("192.0.2.51")
    two, _, _ = _one("IPaddr2::192.0.2.51")
    assert bare is not None and two is not None
    assert bare.agent == two.agent == "ocf:heartbeat:IPaddr2"
    assert bare.params == two.params == (("ip", "192.0.2.51"),)


def test_ipaddr_bad_address_is_skipped_with_line() -> None:
    prim, codes, diags = _one("IPaddr::192.0.2.300/24")
    assert prim is None
    assert codes == [("EX602", 7)]
    assert "not an IPv4 address" in diags[0].message


def test_ipaddr_two_arguments_is_refused_like_the_wrapper() -> None:
    prim, codes, _ = _one("IPaddr::192.0.2.5::24")
    assert prim is None and codes == [("EX602", 7)]


def test_filesystem_all_fields() -> None:
    prim, codes, _ = _one("Filesystem::/dev/sdb1::/srv/data::ext4::noatime,ro")
    assert prim is not None and codes == []
    assert prim.agent == "ocf:heartbeat:Filesystem"
    assert prim.params == (
        ("device", "/dev/sdb1"),
        ("directory", "/srv/data"),
        ("fstype", "ext4"),
        ("options", "noatime,ro"),
    )
    assert prim.id_hint == "fs_srv_data"
    assert {op.name for op in prim.ops} == {"monitor", "start", "stop"}


def test_filesystem_without_fstype_warns_because_ocf_requires_it() -> None:
    prim, codes, _ = _one("Filesystem::/dev/sdb1::/srv")
    assert prim is not None
    assert codes == [("EX612", 7)]
    assert ("fstype", "") not in prim.params


def test_filesystem_one_argument_is_refused() -> None:
    prim, codes, _ = _one("Filesystem::/dev/sdb1")
    assert prim is None and codes == [("EX602", 7)]


def test_mailto_email_and_subject() -> None:
    prim, _, _ = _one("MailTo::ops@example.com::cluster failover")
    assert prim is not None
    assert prim.agent == "ocf:heartbeat:MailTo"
    assert prim.params == (("email", "ops@example.com"), ("subject", "cluster failover"))


def test_mailto_three_arguments_refused() -> None:
    prim, codes, _ = _one("MailTo::a@example.com::s::extra")
    assert prim is None and codes == [("EX602", 7)]


def test_other_wrappers_map_to_their_ocf_agent() -> None:
    cases = {
        "IPsrcaddr::192.0.2.50": ("IPsrcaddr", (("ipaddress", "192.0.2.50"),)),
        "LVM::vg0": ("LVM", (("volgrpname", "vg0"),)),
        "SendArp::192.0.2.50/eth0": ("SendArp", (("ip", "192.0.2.50"), ("nic", "eth0"))),
        "portblock::tcp::80,443::block": (
            "portblock",
            (("protocol", "tcp"), ("portno", "80,443"), ("action", "block")),
        ),
        "Delay::5::2": ("Delay", (("startdelay", "5"), ("stopdelay", "2"))),
        "apache": ("apache", ()),
        "WAS::9080": ("WAS", (("port", "9080"),)),
        "AudibleAlarm::node1::node2": ("AudibleAlarm", (("nodelist", "node1 node2"),)),
    }
    for text, (agent, params) in cases.items():
        prim, codes, _ = _one(text)
        assert prim is not None, text
        assert (prim.agent, prim.params, codes) == (f"ocf:heartbeat:{agent}", params, []), text


def test_init_script_maps_to_lsb() -> None:
    prim, codes, _ = _one("lighttpd", ScriptInfo({"lighttpd": ScriptKind.LSB}))
    assert prim is not None and codes == []
    assert prim.agent == "lsb:lighttpd"
    assert prim.params == ()
    assert {op.name for op in prim.ops} == {"monitor", "start", "stop"}


def test_init_script_with_arguments_cannot_be_lsb() -> None:
    prim, codes, _ = _one("lighttpd::x", ScriptInfo({"lighttpd": ScriptKind.LSB}))
    assert prim is None and codes == [("EX602", 7)]


def test_script_not_found_is_assumed_lsb_with_warning() -> None:
    prim, codes, _ = _one("postfix")
    assert prim is not None and prim.agent == "lsb:postfix"
    assert codes == [("EX619", 7)]


def test_unknown_heartbeat_script_is_left_out_with_manual_step() -> None:
    prim, codes, diags = _one("myapp::a", ScriptInfo({"myapp": ScriptKind.HEARTBEAT}))
    assert prim is None
    assert codes == [("EX601", 7)]
    message = diags[0].message
    assert "NOT in the export" in message and "Manual step" in message
    assert diags[0].path.endswith("haresources")


def test_our_agent_maps_to_ocf_ha_agents_with_install_note() -> None:
    prim, codes, diags = _one("httpd", ScriptInfo({"httpd": ScriptKind.OURS}))
    assert prim is not None and prim.agent == "ocf:ha_agents:httpd"
    assert codes == [("EX613", 7)]
    assert "/usr/lib/ocf/resource.d/ha_agents/httpd" in diags[0].message


def test_ocf_colon_form_keeps_provider_agent_params() -> None:
    prim, codes, _ = _one("ocf:heartbeat:Dummy::state=/run/d.state::fake=a=b")
    assert prim is not None and codes == []
    assert prim.agent == "ocf:heartbeat:Dummy"
    assert prim.params == (("state", "/run/d.state"), ("fake", "a=b"))


def test_ocf_colon_form_without_equals_is_refused() -> None:
    prim, codes, _ = _one("ocf:heartbeat:Dummy::state")
    assert prim is None and codes == [("EX602", 7)]


def test_heartbeat_ocf_instance_form_uses_instance_file_params() -> None:
    info = ScriptInfo(ocf_instances={("Dummy", "inst1"): (("state", "/tmp/x"),)})
    prim, codes, _ = _one("OCF::Dummy::inst1", info)
    assert prim is not None and codes == []
    assert prim.agent == "ocf:heartbeat:Dummy"
    assert prim.params == (("state", "/tmp/x"),)


def test_heartbeat_ocf_instance_form_without_file_warns() -> None:
    prim, codes, _ = _one("OCF::Dummy::inst1")
    assert prim is not None and prim.params == ()
    assert codes == [("EX614", 7)]
