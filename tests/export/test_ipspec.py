"""IPaddr/IPaddr2/bare-IP argument forms, field by field as Heartbeat's wrappers read them."""

from __future__ import annotations

import pytest

from ha_agents.export.ipspec import IpSpec, parse_ip_arg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.50", IpSpec("192.0.2.50")),
        ("192.0.2.50/24", IpSpec("192.0.2.50", 24)),
        ("192.0.2.50/24/eth0", IpSpec("192.0.2.50", 24, "eth0")),
        ("192.0.2.50/24/eth0:web", IpSpec("192.0.2.50", 24, "eth0", "web")),
        ("192.0.2.50/24/eth0/192.0.2.255", IpSpec("192.0.2.50", 24, "eth0", None, "192.0.2.255")),
        # third field starting with a digit is the broadcast address, not an interface
        ("192.0.2.50/24/192.0.2.255", IpSpec("192.0.2.50", 24, None, None, "192.0.2.255")),
        ("192.0.2.50/255.255.255.0/eth1", IpSpec("192.0.2.50", 24, "eth1")),
        ("192.0.2.50//eth1", IpSpec("192.0.2.50", None, "eth1")),
    ],
)
def test_parse_ip_arg_valid_forms_give_fields(text: str, expected: IpSpec) -> None:
    assert parse_ip_arg(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("192.0.2.300", "not an IPv4 address"),
        ("notanip", "not an IPv4 address"),
        ("192.0.2.50/33", "not a netmask"),
        ("192.0.2.50/255.0.255.0", "not a netmask"),
        ("192.0.2.50/24/eth0/bogus", "broadcast"),
        ("192.0.2.50/24/eth0/192.0.2.255/x", "too many"),
    ],
)
def test_parse_ip_arg_bad_forms_give_message(text: str, fragment: str) -> None:
    result = parse_ip_arg(text)
    assert isinstance(result, str)
    assert fragment in result


def test_ipspec_cidr_with_and_without_prefix() -> None:
    assert IpSpec("192.0.2.5", 24).cidr == "192.0.2.5/24"
    assert IpSpec("192.0.2.5").cidr == "192.0.2.5"
