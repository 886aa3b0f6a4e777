"""The resource-protocol messages: field order as Heartbeat 3.0.6 sends them
(examples.md), and parsing of what a peer sends (bad values dropped, never raised)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ha_agents.wire.resource_msgs import (
    AskInfo,
    AskResources,
    HbTakeover,
    Hold,
    IpRequest,
    IpRequestResp,
    OutMessage,
    Resource,
    Shutdone,
    Starting,
    Stonith,
    StonithResult,
    parse_which,
    read,
)


class Fields:
    def __init__(self, body: tuple[tuple[str, str], ...]) -> None:
        self.body = dict(body)

    def get(self, name: str) -> str | None:
        return self.body.get(name)


def test_bodies_match_heartbeat_captures() -> None:
    assert Resource(Hold.ALL, "req_our_resources()", True, "full").body() == (
        ("t", "resource"),
        ("rsc_hold", "all"),
        ("rtype", "full"),
        ("isstable", "1"),
        ("info", "req_our_resources()"),
    )
    assert Resource(Hold.FOREIGN, info="mach_down").body() == (
        ("t", "resource"),
        ("rsc_hold", "foreign"),
        ("info", "mach_down"),
    )
    assert AskResources(Hold.FOREIGN, AskInfo.ME).body() == (
        ("t", "ask_resources"),
        ("rsc_hold", "foreign"),
        ("info", "me"),
    )
    assert HbTakeover(Hold.ALL).body() == (("t", "hb_takeover"), ("rsc_hold", "all"))
    assert IpRequest("wAres::r1").body() == (("t", "ip-request"), ("ipaddr", "wAres::r1"))
    assert IpRequestResp("node1", "wAres::r1", weown=True).body() == (
        ("t", "ip-request-resp"),
        ("dest", "node1"),
        ("ipaddr", "wAres::r1"),
        ("weown", "yes"),
        ("ok", "OK"),
    )
    assert Stonith("node2", StonithResult.NOT_CONFIGURED).body() == (
        ("t", "stonith"),
        ("node", "node2"),
        ("result", "n_stnth"),
    )


@pytest.mark.parametrize(
    "message",
    [
        Starting(),
        Resource(Hold.NONE, "standby", False),
        Resource(Hold.ALL, "req_our_resources()", True, "full"),
        Resource(Hold.FOREIGN, info="mach_down"),
        AskResources(Hold.LOCAL, AskInfo.DONE),
        HbTakeover(Hold.FOREIGN),
        IpRequest("IPaddr::192.0.2.50"),
        IpRequestResp("node2", "IPaddr::192.0.2.50", weown=False),
        Stonith("node1", StonithResult.UNNEEDED),
    ],
)
def test_parse_reads_back_every_message(message: OutMessage) -> None:
    assert read(Fields(message.body())) == message


def test_parse_drops_bad_values() -> None:
    assert read(Fields((("t", "resource"), ("rsc_hold", "bogus")))) is None
    assert read(Fields((("t", "ask_resources"), ("rsc_hold", "all"), ("info", "x")))) is None
    assert read(Fields((("t", "stonith"), ("node", "n"), ("result", "??")))) is None
    assert read(Fields((("t", "ip-request"),))) is None
    assert read(Fields((("t", "shutdone"), ("st", "dead")))) == Shutdone()
    assert read(Fields((("t", "status"),))) is None


def test_which_argument_words() -> None:
    assert parse_which("failback") is Hold.FOREIGN
    assert parse_which("none") is None  # not an hb_standby argument
    assert Hold.LOCAL.complement() is Hold.FOREIGN and Hold.ALL.complement() is Hold.ALL


@given(
    st.dictionaries(
        st.sampled_from(
            ["t", "rsc_hold", "info", "isstable", "dest", "ipaddr", "node", "result", "weown", "ok"]
        ),
        st.text(max_size=12),
    )
)
def test_parse_never_raises(fields: dict[str, str]) -> None:
    read(Fields(tuple(fields.items())))


def test_parse_reads_takeover_and_standby_words_as_heartbeat_does() -> None:
    # hb_takeover sends 'failback' verbatim; a Heartbeat peer's rc.d/hb_takeover then
    # runs hb_standby without an argument: standby all
    assert read(Fields((("t", "hb_takeover"), ("rsc_hold", "failback")))) == HbTakeover(Hold.ALL)
    assert read(Fields((("t", "hb_takeover"),))) == HbTakeover(Hold.ALL)
    assert read(Fields((("t", "hb_takeover"), ("rsc_hold", "local")))) == HbTakeover(Hold.LOCAL)
    # ask_for_resources() reads a missing rsc_hold as all
    assert read(Fields((("t", "ask_resources"), ("info", "me")))) == AskResources(
        Hold.ALL, AskInfo.ME
    )
