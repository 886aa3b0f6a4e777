"""Builders for the client-API unit tests: a fake cluster view and client messages."""

from __future__ import annotations

from ha_agents.api.auth import build_table
from ha_agents.api.body import Fields, encode_body, parse_body
from ha_agents.api.events import Connected, Received
from ha_agents.api.facts import ClusterFacts, NodeFact
from ha_agents.api.frames import FrameReader, encode_frame
from ha_agents.api.server import ApiServer

USERS = {"root": 0, "hacluster": 102}
GROUPS = {"root": 0, "haclient": 105}
FACTS = ClusterFacts(
    local="node1",
    nodes=(
        NodeFact("node1", "normal", "active", (("eth0", "up"),), b"\x01" * 16),
        NodeFact("node2", "normal", "active", (("eth0", "up"),), b"\x02" * 16),
        NodeFact("192.0.2.1", "ping", "ping", (("192.0.2.1", "up"),)),
    ),
    parameters={"keepalive": "200ms", "auto_failback": "on"},
    resources="local",
    deadtime_ms=2000,
    keepalive_ms=200,
    hbversion="3.0.6 (ha_agents test)",
)


def server(apiauth: tuple[tuple[str, ...], ...] = (), facts: ClusterFacts = FACTS) -> ApiServer:
    table = build_table(apiauth, USERS.get, GROUPS.get)
    return ApiServer("node1", table, lambda: facts, daemon_uid=0)


def frame(*fields: tuple[str, str | bytes]) -> bytes:
    return encode_frame(encode_body(fields))


def req(reqtype: str, pid: int, client: str, *extra: tuple[str, str | bytes]) -> bytes:
    head: Fields = (
        ("t", "hbapi-req"),
        ("reqtype", reqtype),
        ("dest", "node1"),
        ("pid", str(pid)),
        ("from_id", client),
    )
    return frame(*head, *extra)


def signon(pid: int, client: str | None, uid: int, gid: int) -> bytes:
    return req("signon", pid, client or str(pid), ("uid", str(uid)), ("gid", str(gid)))


def replies(data: list[bytes]) -> list[Fields]:
    reader = FrameReader()
    return [parse_body(b) for chunk in data for b in reader.feed(chunk)]


def connect(srv: ApiServer, cid: int, pid: int, uid: int, gid: int, client: str | None) -> list:
    out = srv.handle(Connected(cid, uid, gid, pid, 0.0))
    return out + srv.handle(Received(cid, signon(pid, client, uid, gid), 0.0))
