"""Typed v1 messages: exact wire orders (wire.md §4) and strict parsing."""

from __future__ import annotations

import pytest

from ha_agents.wire import messages as m
from ha_agents.wire.codec import Field, Message, WireError

UUID1 = bytes(range(16))
UUID2 = bytes(range(16, 32))
ENV = {"src": "node1", "srcuuid": UUID1, "hg": 0x6B06A1A5, "ts": 0x6B06A1B0, "ttl": 3}
SEQ = {"seq": 0x2E, "ld": "0.05 0.16 0.08 2/91 6389"}
TAIL = ["src", "srcuuid", "seq", "hg", "ts", "ld", "ttl"]
UNSEQ_TAIL = ["src", "srcuuid", "hg", "ts", "ttl"]


def _names(body: tuple[Field, ...], **extra: object) -> list[str]:
    args = {**ENV, **SEQ, **extra}
    return [f.name for f in m.envelope(body, **args)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "order"),
    [
        (m.status("up", 8000), ["t", "st", "dt", "protocol", *TAIL]),
        (m.starting(), ["t", *TAIL]),
        (m.stonith("node2", "n_stnth"), ["t", "node", "result", *TAIL]),
        (
            m.resource("all", rtype="full", isstable=True),
            ["t", "rsc_hold", "rtype", "isstable", *TAIL],
        ),
        (
            m.resource("none", rtype="full", isstable=False, info="standby"),
            ["t", "rsc_hold", "rtype", "isstable", "info", *TAIL],
        ),
        (m.resource("foreign", info="mach_down"), ["t", "rsc_hold", "info", *TAIL]),
        (m.ask_resources("all", "me"), ["t", "rsc_hold", "info", *TAIL]),
        (m.hb_takeover("all"), ["t", "rsc_hold", *TAIL]),
        (m.ip_request("wAres::r1"), ["t", "ipaddr", *TAIL]),
        (m.shutdone(), ["t", "st", *TAIL]),
    ],
)
def test_broadcast_messages_have_heartbeats_field_order(
    body: tuple[Field, ...], order: list[str]
) -> None:
    assert _names(body) == order


def test_addressed_messages_put_destuuid_after_the_body() -> None:
    assert _names(m.reqnodes("node1"), destuuid=UUID2) == ["t", "dest", "destuuid", *TAIL]
    assert _names(m.repnodes("node2", ["node1", "node2"]), destuuid=UUID2) == [
        "dest",
        "t",
        "nodelist",
        "delnodelist",
        "destuuid",
        *TAIL,
    ]
    assert _names(m.ip_request_resp("node1", "wAres::r1", True), destuuid=UUID2) == [
        "t",
        "dest",
        "ipaddr",
        "weown",
        "ok",
        "destuuid",
        *TAIL,
    ]


def test_unsequenced_messages_omit_seq_and_ld() -> None:
    ack = m.envelope(m.ns_ackmsg("node1", 5), **ENV, seq=None, ld=None, destuuid=UUID1)
    assert [f.name for f in ack] == ["t", "dest", "ackseq", "destuuid", *UNSEQ_TAIL]
    rex = m.envelope(m.ns_rexmit("node1", 0x49, 0x49), **ENV, seq=None, ld=None, destuuid=UUID2)
    assert [f.name for f in rex] == ["t", "dest", "firstseq", "lastseq", "destuuid", *UNSEQ_TAIL]


def test_values_are_encoded_like_heartbeat() -> None:
    fields = dict((f.name, f.value) for f in m.envelope(m.status("active", 6000), **ENV, **SEQ))
    assert fields["dt"] == b"1770" and fields["seq"] == b"2e" and fields["hg"] == b"6b06a1a5"
    assert fields["ttl"] == b"3" and fields["protocol"] == b"1"
    rep = dict((f.name, f.value) for f in m.repnodes("node2", ["node1", "node2"]))
    assert rep["nodelist"] == b"node1 node2 " and rep["delnodelist"] == b" "
    res = dict((f.name, f.value) for f in m.resource("all", rtype="full", isstable=False))
    assert res["isstable"] == b"0"
    assert dict((f.name, f.value) for f in m.ip_request_resp("n", "r", False))["weown"] == b"no"


def test_envelope_accepts_engine_pairs_and_explicit_dest() -> None:
    fields = m.envelope([("t", "custom"), ("blob", b"\x00\x01")], **ENV, **SEQ, dest="node2")
    assert fields[1] == Field("blob", b"\x00\x01", 1)
    assert [f.name for f in fields][:3] == ["t", "blob", "dest"]
    with pytest.raises(ValueError):
        m.envelope([("st", "up")], **ENV, **SEQ)


def test_parse_gives_typed_values() -> None:
    msg = Message(m.envelope(m.ns_rexmit("node1", 0x49, 0x4A), **ENV, seq=None, ld=None))
    parsed = m.parse(msg)
    assert parsed.body == m.NsRexmit("node1", 0x49, 0x4A)
    assert parsed.envelope == m.Envelope("node1", UUID1, 0x6B06A1A5, 0x6B06A1B0, 3, dest="node1")
    st = m.parse(Message(m.envelope(m.status("up", 8000), **ENV, **SEQ)))
    assert st.body == m.Status("up", 8000, 1) and st.envelope.seq == 0x2E


def _msg(*pairs: tuple[str, str | bytes]) -> Message:
    base = [("src", "node1"), ("srcuuid", UUID1), ("hg", "1"), ("ts", "2"), ("ttl", "3")]
    return Message.of(*pairs, *base)


@pytest.mark.parametrize(
    ("msg", "reason"),
    [
        (_msg(("t", "status"), ("st", "up"), ("protocol", "1")), "missing_field"),
        (_msg(("t", "status"), ("st", "up"), ("dt", "xyz"), ("protocol", "1")), "bad_value"),
        (_msg(("t", "resource"), ("rsc_hold", "most")), "bad_value"),
        (_msg(("t", "resource"), ("rsc_hold", "all"), ("isstable", "2")), "bad_value"),
        (_msg(("t", "NS_rexmit"), ("dest", "n"), ("firstseq", "5"), ("lastseq", "4")), "bad_value"),
        (
            _msg(
                ("t", "ip-request-resp"),
                ("dest", "n"),
                ("ipaddr", "r"),
                ("weown", "maybe"),
                ("ok", "OK"),
            ),
            "bad_value",
        ),
        (_msg(("t", "bogus")), "unknown_type"),
        (Message.of(("t", "starting")), "missing_field"),
        (
            Message.of(
                ("t", "starting"),
                ("src", "n"),
                ("srcuuid", UUID1),
                ("hg", "1"),
                ("ts", "1"),
                ("ttl", "x"),
            ),
            "bad_value",
        ),
    ],
)
def test_parse_errors_are_wire_errors(msg: Message, reason: str) -> None:
    with pytest.raises(WireError) as err:
        m.parse(msg)
    assert err.value.reason == reason


def test_every_v1_type_is_known() -> None:
    assert set(m.BODY_TYPES) == {
        "status", "NS_ackmsg", "NS_rexmit", "starting", "reqnodes", "repnodes", "resource",
        "ask_resources", "hb_takeover", "ip-request", "ip-request-resp", "stonith", "shutdone",
    }  # fmt: skip


def test_ns_rexmit_seq_range_is_decimal_like_heartbeat() -> None:
    """Heartbeat 3.0.6 reads NS_rexmit's firstseq/lastseq as decimal (it rejects ``f``)."""
    body = dict((f.name, f.value) for f in m.ns_rexmit("node1", 10, 26))
    assert body["firstseq"] == b"10" and body["lastseq"] == b"26"
    parsed = m.NsRexmit.parse(Message(tuple(m.ns_rexmit("node1", 10, 26))))
    assert (parsed.firstseq, parsed.lastseq) == (10, 26)
    with pytest.raises(WireError):
        m.NsRexmit.parse(
            Message(
                (
                    Field("t", b"NS_rexmit"),
                    Field("dest", b"n"),
                    Field("firstseq", b"f"),
                    Field("lastseq", b"f"),
                )
            )
        )
