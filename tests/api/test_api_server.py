"""The client-API server (pure): signon and apiauth, every request, delivery, hostile
input.  Facts on the wire formats are in docs/api.md (observed on Heartbeat 3.0.6)."""

from __future__ import annotations

from ha_agents.api.actions import CloseClient, LocalStandby, SendCluster, ToClient
from ha_agents.api.body import get
from ha_agents.api.events import (
    ClusterMessage,
    Connected,
    Disconnected,
    LinkChanged,
    NodeChanged,
    Received,
    Tick,
)
from ha_agents.api.frames import HEADER
from ha_agents.membership.actions import Notice
from tests.api.helpers import connect, frame, replies, req, server


def sent(out: list, cid: int) -> list:
    return replies([a.data for a in out if isinstance(a, ToClient) and a.cid == cid])


def test_casual_signon_gets_heartbeat_reply() -> None:
    srv = server()
    out = connect(srv, 1, 4242, 0, 105, None)
    (reply,) = sent(out, 1)
    assert reply == (
        ("t", "hbapi-resp"), ("reqtype", "signon"), ("result", "OK"), ("deadtime", "7d0"),
        ("keepalive", "c8"), ("node", "node1"), ("hbversion", "3.0.6 (ha_agents test)"),
        ("pacemaker", "false"), ("logfacility", "-1"),
    )  # fmt: skip
    assert not [a for a in out if isinstance(a, SendCluster)]  # casual: no join message


def test_named_client_joins_the_cluster() -> None:
    srv = server()
    out = connect(srv, 1, 100, 102, 105, "ipfail")
    (join,) = [a.body for a in out if isinstance(a, SendCluster)]
    assert join == (
        ("t", "hbapi-clstat"), ("st", "join"), ("from_id", "ipfail"), ("to_id", "ipfail"),
        ("info", "signon"), ("client_gen", "0"),
    )  # fmt: skip
    assert srv.online("ipfail")


def test_wrong_uid_is_refused_with_heartbeats_words() -> None:
    srv = server()
    out = connect(srv, 1, 100, 0, 0, "ipfail")  # root, not hacluster
    notes = [a.text for a in out if isinstance(a, Notice)]
    assert notes == [
        "Client [ipfail] pid 100 failed authorization [client failed authorization]",
        "api_process_registration_msg: cannot add client(ipfail)",
    ]
    reply, leave = sent(out, 1)
    assert (get(reply, "result"), get(reply, "info")) == ("badreq", "client failed authorization")
    assert (get(leave, "t"), get(leave, "st")) == ("hbapi-clstat", "leave")
    assert CloseClient(1, "client failed authorization") in out
    assert not srv.online("ipfail")


def test_named_client_without_apiauth_has_no_default() -> None:
    out = connect(server(), 1, 100, 0, 0, "dopd")
    assert get(sent(out, 1)[0], "info") == "no default client auth"
    ok = connect(server((("dopd", "gid=haclient", "uid=hacluster"),)), 1, 100, 102, 105, "dopd")
    assert get(sent(ok, 1)[0], "result") == "OK"


def test_claimed_credentials_must_be_the_sockets() -> None:
    srv = server()
    srv.handle(Connected(1, 102, 105, 100, 0.0))
    from tests.api.helpers import signon

    out = srv.handle(Received(1, signon(100, "ipfail", 0, 0), 0.0))
    assert get(sent(out, 1)[0], "info") == "incorrect/false credentials"
    srv.handle(Connected(2, 102, 105, 100, 0.0))
    out = srv.handle(Received(2, signon(999, "ipfail", 102, 105), 0.0))
    assert get(sent(out, 2)[0], "info") == "pid mismatch"


def test_queries_answer_as_heartbeat() -> None:
    srv = server()
    connect(srv, 1, 7, 0, 105, None)
    ask = lambda *a: sent(srv.handle(Received(1, req(*a), 0.0)), 1)  # noqa: E731
    nodes = ask("nodelist", 7, "7")
    assert [
        (get(m, "node"), get(m, "nodetype"), get(m, "st"), get(m, "result")) for m in nodes
    ] == [
        ("node1", "normal", "active", "ok/more"),
        ("node2", "normal", "active", "ok/more"),
        ("192.0.2.1", "ping", "ping", "OK"),
    ]
    assert ask("nodestatus", 7, "7", ("node", "NODE2"))[0][2:] == (
        ("st", "active"),
        ("result", "OK"),
    )
    assert ask("nodestatus", 7, "7", ("node", "x"))[0][2:] == (
        ("result", "badreq"),
        ("info", "EINVAL"),
    )
    assert get(ask("iflist", 7, "7", ("node", "192.0.2.1"))[0], "ifname") == "192.0.2.1"
    assert get(ask("ifstatus", 7, "7", ("node", "node2"), ("ifname", "eth0"))[0], "st") == "up"
    assert get(ask("getparm", 7, "7", ("pname", "keepalive"))[0], "pvalue") == "200ms"
    assert ask("getparm", 7, "7", ("pname", "node"))[0][2:] == (("result", "OK"),)
    assert get(ask("getrsc", 7, "7")[0], "rsc_hold") == "local"
    assert get(ask("numnodes", 7, "7")[0], "numnodes") == "2"
    assert ask("getuuid", 7, "7", ("queryname", "node2"))[0][2] == ("queryuuid", b"\x02" * 16)
    assert get(ask("getnodename", 7, "7", ("queryuuid", b"\x01" * 16))[0], "queryname") == "node1"
    assert get(ask("nodeweight", 7, "7", ("node", "node1"))[0], "weight") == "100"
    assert get(ask("bogus", 7, "7")[0], "result") == "badreq"


def test_client_status_local_remote_and_peer_query() -> None:
    srv = server()
    connect(srv, 1, 7, 0, 105, None)
    connect(srv, 2, 100, 102, 105, "ipfail")
    out = srv.handle(
        Received(1, req("clientstatus", 7, "7", ("node", "node1"), ("cn", "ipfail")), 0)
    )
    assert sent(out, 1)[0][2:] == (("subt", "respond-cstatus"), ("cs", "online"), ("result", "OK"))
    out = srv.handle(
        Received(1, req("clientstatus", 7, "7", ("node", "node2"), ("cn", "ipfail")), 0)
    )
    assert out == [
        SendCluster(
            (("t", "query-cstatus"), ("dest", "node2"), ("cn", "ipfail"), ("from_id", "7")),
            "clientstatus query",
        )
    ]
    query = (
        ("t", "query-cstatus"),
        ("dest", "node1"),
        ("cn", "ipfail"),
        ("from_id", "55"),
        ("src", "node2"),
    )
    (answer,) = srv.handle(ClusterMessage(query, 1.0))
    assert isinstance(answer, SendCluster) and get(answer.body, "cs") == "online"
    assert get(answer.body, "to_id") == "55" and get(answer.body, "dest") == "node2"


def test_named_client_messages_are_stamped_and_ask_resources_is_standby() -> None:
    srv = server()
    connect(srv, 2, 100, 102, 105, "ipfail")
    msg = frame(("t", "num_ping_nodes"), ("src", "node1"), ("num_ping", "1"), ("dest", "node2"))
    (out,) = srv.handle(Received(2, msg, 0.0))
    assert out == SendCluster(
        (("t", "num_ping_nodes"), ("num_ping", "1"), ("dest", "node2"), ("from_id", "ipfail"),
         ("to_id", "ipfail"), ("client_gen", "0")),
        "message from client ipfail",
    )  # fmt: skip
    ask = frame(("t", "ask_resources"), ("rsc_hold", "all"), ("src", "node1"), ("info", "me"))
    assert srv.handle(Received(2, ask, 0.0)) == [LocalStandby("all", "ipfail")]
    forged = frame(("t", "shutdone"), ("st", "dead"))
    assert not [a for a in srv.handle(Received(2, forged, 0.0)) if isinstance(a, SendCluster)]


def test_delivery_status_callbacks_and_to_id() -> None:
    srv = server()
    connect(srv, 1, 7, 0, 105, None)
    connect(srv, 2, 100, 102, 105, "ipfail")
    dead = srv.handle(NodeChanged("192.0.2.1", "dead", True, 1.0))
    assert sent(dead, 2) == [
        (("t", "status"), ("seq", "1"), ("src", "192.0.2.1"), ("st", "dead"), ("info", "ping"))
    ]
    assert len(sent(dead, 1)) == 1
    link = srv.handle(LinkChanged("192.0.2.1", "192.0.2.1", "up", 1.0))
    assert sent(link, 2) == [
        (("t", "ifstat"), ("node", "192.0.2.1"), ("ifname", "192.0.2.1"), ("st", "up"))
    ]
    to_ipfail = (("t", "you_are_dead"), ("dest", "node1"), ("to_id", "ipfail"), ("src", "node2"))
    out = srv.handle(ClusterMessage(to_ipfail, 1.0))
    assert [a.cid for a in out if isinstance(a, ToClient)] == [2]
    elsewhere = (("t", "num_ping_nodes"), ("dest", "node2"), ("src", "node1"))
    assert srv.handle(ClusterMessage(elsewhere, 1.0)) == []


def test_hostile_input_closes_only_that_client() -> None:
    srv = server()
    connect(srv, 1, 7, 0, 105, None)
    srv.handle(Connected(3, 0, 0, 9, 0.0))
    out = srv.handle(Received(3, HEADER.pack(12, 0xBEEF) + b"x" * 12, 0.0))
    assert CloseClient(3, "bad_magic") in out
    srv.handle(Connected(4, 0, 0, 10, 0.0))
    assert CloseClient(4, "oversize") in srv.handle(Received(4, HEADER.pack(1 << 30, 0xABCD), 0.0))
    srv.handle(Connected(5, 0, 0, 11, 0.0))
    assert CloseClient(5, "bad_message") in srv.handle(
        Received(5, HEADER.pack(3, 0xABCD) + b"abc", 0.0)
    )
    impostor = srv.handle(Received(1, req("nodelist", 7, "ipfail"), 0.0))
    assert CloseClient(1, "impersonation") in impostor
    assert srv.counters == {"bad_magic": 1, "oversize": 1, "bad_message": 1, "impersonation": 1}


def test_silent_connection_is_dropped_after_signon_timeout() -> None:
    srv = server()
    srv.handle(Connected(1, 0, 0, 5, 0.0))
    srv.handle(Received(1, frame(("t", "hbapi-req"))[:10], 0.0))  # half a message
    assert srv.next_deadline() == 10.0
    assert srv.handle(Tick(9.0)) == []
    assert CloseClient(1, "signon_timeout") in srv.handle(Tick(10.0))


def test_signoff_and_disconnect_send_leave() -> None:
    srv = server()
    connect(srv, 2, 100, 102, 105, "ipfail")
    out = srv.handle(Received(2, req("signoff", 100, "ipfail"), 0.0))
    assert [get(a.body, "st") for a in out if isinstance(a, SendCluster)] == ["leave"]
    assert not srv.online("ipfail")
    connect(srv, 3, 101, 102, 105, "ipfail")
    out = srv.handle(Disconnected(3, "EOF", 1.0))
    assert [get(a.body, "info") for a in out if isinstance(a, SendCluster)] == ["EOF"]


def test_too_many_connections_are_refused() -> None:
    srv = server()
    srv.max_clients = 2
    srv.handle(Connected(1, 0, 0, 5, 0.0))
    srv.handle(Connected(2, 0, 0, 6, 0.0))
    assert srv.handle(Connected(3, 0, 0, 7, 0.0)) == [CloseClient(3, "too many clients")]
