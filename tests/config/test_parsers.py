"""Unit tests of the pure parsers: values, defaults, last-wins, locations, codes."""

from __future__ import annotations

from ha_agents.config.authkeys import parse_authkeys
from ha_agents.config.crosscheck import check_host
from ha_agents.config.diagnostics import Severity
from ha_agents.config.hacf import parse_hacf
from ha_agents.config.hacf_rules import check_hacf
from ha_agents.config.haresources import parse_haresources, parse_resource
from ha_agents.config.host import StaticHost
from ha_agents.config.lines import hacf_lines, haresources_lines
from ha_agents.config.model import AuthMethod, AutoFailback, Location, MediumKind
from ha_agents.config.values import parse_time_ms

P = "conf/ha.cf"


def codes(diags: list) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    return [(d.line, d.code) for d in diags]


def test_time_syntax_seconds_ms_us_and_refusals() -> None:
    assert parse_time_ms("2") == 2000
    assert parse_time_ms("1.5") == 1500
    assert parse_time_ms("500ms") == 500
    assert parse_time_ms("2000MS") == 2000
    assert parse_time_ms("500000us") == 500
    for bad in ("30s", "2min", "-1", "+1", "abc", ""):
        assert parse_time_ms(bad) is None, bad


def test_hacf_comment_anywhere_commas_and_last_wins() -> None:
    text = "keepalive 2#x\nnode node1,node2\ndeadtime 30 31\nwarntime 5\nwarntime 7\n"
    hacf, diags = parse_hacf(text, P)
    assert hacf.keepalive_ms == 2000
    assert hacf.nodes == ("node1", "node2")
    assert hacf.deadtime_ms == 31000
    assert hacf.parameters["deadtime"] == "31"
    assert hacf.warntime_ms == 7000
    assert hacf.locations["warntime"] == Location(P, 5)
    assert (3, "HA152") in codes(diags) and (5, "HA153") in codes(diags)
    assert not any(d.severity is Severity.ERROR for d in diags)


def test_hacf_defaults_and_parameters_in_ms_form() -> None:
    hacf, _ = parse_hacf("node node1\nbcast eth0\n", P)
    assert (hacf.keepalive_ms, hacf.deadtime_ms, hacf.udpport) == (1000, 30000, 694)
    assert hacf.auto_failback is AutoFailback.LEGACY
    assert hacf.parameters["deadping"] == "30000ms"
    assert hacf.parameters["initdead"] == "30000ms"
    assert hacf.parameters["cluster"] == "linux-ha"
    assert "warntime" not in hacf.parameters


def test_hacf_unknown_case_sensitive_directive_points_at_its_line() -> None:
    _, diags = parse_hacf("node node1\n\nKeepAlive 2\nkeepalive=2\n", P)
    errs = [d for d in diags if d.severity is Severity.ERROR]
    assert [(d.line, d.code) for d in errs] == [(3, "HA102"), (4, "HA102")]
    assert "did you mean 'keepalive'" in errs[0].message


def test_hacf_udpport_applies_only_to_later_media() -> None:
    hacf, diags = parse_hacf("bcast eth0\nudpport 695\nucast eth0 192.0.2.12\n", P)
    assert [m.port for m in hacf.media] == [694, 695]
    assert (2, "HA151") in codes(diags)


def test_hacf_mcast_fields_and_errors() -> None:
    hacf, diags = parse_hacf("mcast eth0 233.252.0.1 694 1 0\n", P)
    m = hacf.media[0]
    assert (m.kind, m.group, m.port, m.ttl, m.loop) == (
        MediumKind.MCAST,
        "233.252.0.1",
        694,
        1,
        False,
    )
    for line in (
        "mcast eth0 192.0.2.5 694 1 0",
        "mcast eth0 233.252.0.1 694 1 2",
        "mcast eth0 233.252.0.1",
    ):
        _, diags = parse_hacf(line + "\n", P)
        assert [d.code for d in diags if d.severity is Severity.ERROR] == ["HA117"], line


def test_hacf_nice_failback_is_legacy_with_warning() -> None:
    hacf, diags = parse_hacf("nice_failback off\n", P)
    assert hacf.auto_failback is AutoFailback.LEGACY
    assert (1, "HA158") in codes(diags)


def test_cross_checks_deadtime_boundary_and_locations() -> None:
    hacf, _ = parse_hacf("node node1\nbcast eth0\nkeepalive 10\ndeadtime 20\n", P)
    assert (4, "HA143") in codes(check_hacf(hacf, P, "node1"))
    hacf, _ = parse_hacf("node node1\nbcast eth0\nkeepalive 10\ndeadtime 21\n", P)
    assert "HA143" not in [c for _, c in codes(check_hacf(hacf, P, "node1"))]
    hacf, _ = parse_hacf("node NODE1\nbcast eth0\ndeadtime 30\ninitdead 10\n", P)
    assert [(ln, c) for ln, c in codes(check_hacf(hacf, P, "node1")) if c.startswith("HA14")] == [
        (4, "HA144")
    ]


def test_cross_checks_absences_blame_line_one() -> None:
    hacf, _ = parse_hacf("", P)
    got = {c: ln for ln, c in codes(check_hacf(hacf, P, "node1"))}
    assert got["HA140"] == 1 and got["HA141"] == 1 and got["HA142"] == 1


def test_host_checks_error_here_warning_when_remote() -> None:
    hacf, _ = parse_hacf("bcast eth9\nserial /dev/ttyS9\nucast eth0 node2\n", P)
    host = StaticHost()
    here = check_host(hacf, host, remote=False)
    assert sorted(d.code for d in here) == ["HA130", "HA131", "HA134"]
    assert all(d.severity is Severity.ERROR for d in here)
    assert all(d.severity is Severity.WARNING for d in check_host(hacf, host, remote=True))


def test_authkeys_quotes_first_word_and_indices() -> None:
    keys, diags = parse_authkeys('auth 1\n1 md5 "mysecret" tail\n2 crc\n', "ak")
    assert keys is not None
    assert keys.signing_key.key == b'"mysecret"'
    assert keys.keys[2].method is AuthMethod.CRC
    assert {"HK309", "HK311"} <= {d.code for d in diags}


def test_authkeys_mode_rule_is_on_group_other_rw_bits() -> None:
    text = "auth 1\n1 sha1 k\n"
    for mode in (0o600, 0o400, 0o700, 0o601, 0o610):
        assert parse_authkeys(text, "ak", mode)[0] is not None, oct(mode)
    for mode in (0o644, 0o640, 0o604, 0o620, 0o602):
        keys, diags = parse_authkeys(text, "ak", mode)
        assert keys is None and diags[0].code == "HK301" and diags[0].line == 1
        assert "chmod 600" in diags[0].message


def test_authkeys_refusals() -> None:
    for text, code in (
        ("", "HK310"),
        ("AUTH 1\n1 md5 k\n", "HK302"),
        ("auth\n1 md5 k\n", "HK303"),
        ("auth 2\n1 md5 k\n", "HK313"),
        ("auth 16\n16 md5 k\n", "HK304"),
        ("auth 1\n1 MD5 k\n", "HK305"),
        ("auth 1\n1 md5\n", "HK307"),
        ("auth 1\n1 crc key\n", "HK314"),
        ("auth 2\n1 crc key\n2 sha1 k\n", "HK314"),
    ):
        keys, diags = parse_authkeys(text, "ak")
        assert keys is None, text
        assert code in [d.code for d in diags if d.severity is Severity.ERROR], (text, diags)


def test_authkeys_sha256_is_an_extension() -> None:
    keys, diags = parse_authkeys("auth 1\n1 sha256 k\n", "ak", extensions=True)
    assert keys is not None and keys.signing_key.method is AuthMethod.SHA256
    assert [d.severity for d in diags] == [Severity.WARNING]
    keys, diags = parse_authkeys("auth 1\n1 sha256 k\n", "ak", extensions=False)
    assert keys is None and diags[0].severity is Severity.ERROR


def test_haresources_forms_and_continuations() -> None:
    text = (
        "node1 192.0.2.50 \\\n  Filesystem::/dev/sdb1::/data::ext4 # c\n\n"
        "node2 IPaddr2::192.0.2.51/24/eth0 httpd\n"
    )
    groups, diags = parse_haresources(text, "hr")
    assert [g.node for g in groups] == ["node1", "node2"]
    assert [g.loc.line for g in groups] == [1, 4]
    g1 = groups[0].resources
    assert (g1[0].name, g1[0].args, g1[0].text) == ("IPaddr", ("192.0.2.50",), "192.0.2.50")
    assert (g1[1].name, g1[1].args) == ("Filesystem", ("/dev/sdb1", "/data", "ext4"))
    assert groups[0].key == "192.0.2.50"
    assert groups[1].resources[1].name == "httpd"
    assert not diags


def test_resource_forms() -> None:
    loc = Location("hr", 1)
    assert parse_resource("192.0.2.10/24/eth0", loc).name == "IPaddr"
    assert parse_resource("OCF::Dummy::d1", loc).args == ("Dummy", "d1")
    assert parse_resource("MailTo::root@example.org::sub", loc).args == ("root@example.org", "sub")


def test_line_splitters_crlf_and_nul() -> None:
    assert [ln.text for ln in hacf_lines("a 1\r\nb 2\x00junk\n")] == ["a 1", "b 2"]
    lines = haresources_lines("n1 a \\\r\n b\r\n")
    assert lines[0].had_cr


def test_mcast_numbers_read_like_atoi_and_ttl_limit() -> None:
    ok = ["694 0 0", "70000 1 0", "694x 4 1", "694 256 0", "694 abc 0", "694 1 1x"]
    for tail in ok:
        _, diags = parse_hacf(f"mcast eth0 233.252.0.1 {tail}\n", P)
        assert not [d for d in diags if d.severity is Severity.ERROR], tail
    for tail in ("0 1 0", "abc 1 0", "694 5 0", "694 255 0", "694 -1 0", "694 1 2"):
        _, diags = parse_hacf(f"mcast eth0 233.252.0.1 {tail}\n", P)
        assert [d.code for d in diags if d.severity is Severity.ERROR] == ["HA117"], tail


def test_debug_and_hopfudge_ranges() -> None:
    for line, bad in (
        ("debug 255", False),
        ("debug 256", True),
        ("debug -1", True),
        ("debug abc", False),
        ("hopfudge 300", True),
        ("hopfudge abc", False),
    ):
        _, diags = parse_hacf(line + "\n", P)
        assert any(d.severity is Severity.ERROR for d in diags) is bad, line


def test_haresources_node_is_first_word_of_first_physical_line() -> None:
    # a backslash inside a comment still continues the line (Heartbeat's daemon)
    groups, _ = parse_haresources("node1 192.0.2.50 # c \\\nnode9\n", "hr")
    assert [g.node for g in groups] == ["node1"]
    # a line holding only a backslash names the node "\"
    groups, _ = parse_haresources("\\\nnode1 192.0.2.50\n", "hr")
    assert groups[0].node == "\\"
    # "\ " (backslash, blank) is no continuation
    groups, _ = parse_haresources("node1 192.0.2.50 \\ \nnode9\n", "hr")
    assert [g.node for g in groups] == ["node1", "node9"]


def test_ucast_and_ping_need_ipv4_ping6_needs_ipv6() -> None:
    host = StaticHost(names=frozenset({"peer.example"}))
    for line, bad in (
        ("ucast eth0 ::1", True),
        ("ucast eth0 192.0.2.12", False),
        ("ucast eth0 peer.example", False),
        ("ping ::1", True),
        ("ping6 192.0.2.254", True),
        ("ping6 ::1", False),
        ("ucast6 eth0 192.0.2.12", True),
    ):
        hacf, _ = parse_hacf(line + "\n", P)
        got = [d.code for d in check_host(hacf, host, remote=False)]
        assert (got == ["HA134"]) is bad, (line, got)


def test_nice_failback_after_auto_failback_on_means_off() -> None:
    # verified log: "'nice_failback on' has been changed to 'auto_failback off'"
    hacf, _ = parse_hacf("auto_failback on\nnice_failback on\n", P)
    assert hacf.auto_failback is AutoFailback.OFF
    assert hacf.parameters["auto_failback"] == "off"


def test_hacf_cr_inside_a_line_ends_it() -> None:
    # verified: "node\rnode1 node2" is an empty node line; "udp\rort 694" an empty udp
    hacf, diags = parse_hacf("node\rnode1 node2\nudp\rort 694\nbcast eth0\r\n", P)
    assert hacf.nodes == () and [m.dev for m in hacf.media] == ["eth0"]
    assert not [d for d in diags if d.severity is Severity.ERROR]
