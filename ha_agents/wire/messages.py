"""Typed v1 messages, defined once: membership's here (``status``, ``NS_ackmsg``,
``NS_rexmit``, ``reqnodes``, ``repnodes``), the resource protocol's in
wire/resource_msgs.py; constructors in Heartbeat's exact field order, and parsers.

Every message is a *body* (the originator's own fields, docs/heartbeat/wire.md §4 "Field order as
emitted") followed by the *envelope* the daemon appends when sending:
``[dest] [destuuid] src srcuuid [seq] hg ts [ld] ttl``.  ``auth`` is added by
:func:`ha_agents.wire.auth.sign`.

* ``Status(st="up", dt_ms=8000).fields()`` or ``status("up", 8000)`` -> body fields;
* ``envelope(body, src=..., srcuuid=..., seq=..., hg=..., ts=..., ld=..., ttl=...)``
  -> all fields ready to sign;
* ``parse(message) -> Parsed(envelope=Envelope(...), body=Status(...))`` reads a received
  message (raises WireError ``missing_field`` / ``bad_value`` / ``unknown_type``).

Numbers that Heartbeat writes in hex (seq, hg, ts, dt, ackseq) and in decimal (ttl, protocol,
NS_rexmit's firstseq and lastseq) are
ints here.  Pure code: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from ha_agents.wire.envelope import Body, Envelope, envelope, parse_envelope
from ha_agents.wire.errors import WireError
from ha_agents.wire.fieldread import dec_value, hex_value, hexs, node_list, req, string_field, token
from ha_agents.wire.message import Message
from ha_agents.wire.resource_msgs import (
    AskInfo,
    AskResources,
    HbTakeover,
    Hold,
    IpRequest,
    IpRequestResp,
    Resource,
    Shutdone,
    Starting,
    Stonith,
    StonithResult,
)

#: Message types Heartbeat sends without ``seq`` and ``ld``.
UNSEQUENCED = frozenset({"NS_ackmsg", "NS_rexmit"})

__all__ = ["Body", "Envelope", "envelope", "parse_envelope"]


# -- bodies ----------------------------------------------------------------------------


class _Body(Protocol):
    T: ClassVar[str]

    def fields(self) -> Body: ...


@dataclass(frozen=True, slots=True)
class Status:
    """``t=status``: the heartbeat.  ``dt_ms`` is the sender's deadtime in ms."""

    T: ClassVar[str] = "status"
    st: str
    dt_ms: int
    protocol: int = 1

    def fields(self) -> Body:
        return (
            string_field("t", self.T),
            string_field("st", self.st),
            string_field("dt", hexs(self.dt_ms)),
            string_field("protocol", str(self.protocol)),
        )

    @classmethod
    def parse(cls, msg: Message) -> Status:
        return cls(
            token(msg, "st"),
            hex_value("dt", req(msg, "dt")),
            dec_value("protocol", req(msg, "protocol")),
        )


@dataclass(frozen=True, slots=True)
class NsAckmsg:
    """``t=NS_ackmsg``: ``dest``'s messages up to ``ackseq`` were received."""

    T: ClassVar[str] = "NS_ackmsg"
    dest: str
    ackseq: int

    def fields(self) -> Body:
        return (
            string_field("t", self.T),
            string_field("dest", self.dest),
            string_field("ackseq", hexs(self.ackseq)),
        )

    @classmethod
    def parse(cls, msg: Message) -> NsAckmsg:
        return cls(token(msg, "dest"), hex_value("ackseq", req(msg, "ackseq")))


@dataclass(frozen=True, slots=True)
class NsRexmit:
    """``t=NS_rexmit``: please resend your seq ``firstseq``..``lastseq`` (inclusive).

    Unlike ``seq``, these two numbers are DECIMAL on the wire: a live Heartbeat 3.0.6
    answers ``firstseq=f`` with ``Invalid rexmit seqnos`` and, asked for ``10``, re-sends
    seq 10 (0xa) -- found by the membership interop tests, see docs/daemon.md.
    """

    T: ClassVar[str] = "NS_rexmit"
    dest: str
    firstseq: int
    lastseq: int

    def fields(self) -> Body:
        return (
            string_field("t", self.T),
            string_field("dest", self.dest),
            string_field("firstseq", str(self.firstseq)),
            string_field("lastseq", str(self.lastseq)),
        )

    @classmethod
    def parse(cls, msg: Message) -> NsRexmit:
        first = dec_value("firstseq", req(msg, "firstseq"))
        last = dec_value("lastseq", req(msg, "lastseq"))
        if last < first:
            raise WireError("bad_value", f"lastseq {last} < firstseq {first}")
        return cls(token(msg, "dest"), first, last)


@dataclass(frozen=True, slots=True)
class ReqNodes:
    """``t=reqnodes``: a joining node asks ``dest`` for the node list."""

    T: ClassVar[str] = "reqnodes"
    dest: str

    def fields(self) -> Body:
        return (string_field("t", self.T), string_field("dest", self.dest))

    @classmethod
    def parse(cls, msg: Message) -> ReqNodes:
        return cls(token(msg, "dest"))


@dataclass(frozen=True, slots=True)
class RepNodes:
    """``t=repnodes``: the node list (note: Heartbeat puts ``dest`` before ``t``)."""

    T: ClassVar[str] = "repnodes"
    dest: str
    nodelist: tuple[str, ...]
    delnodelist: tuple[str, ...] = ()

    def fields(self) -> Body:
        return (
            string_field("dest", self.dest),
            string_field("t", self.T),
            string_field("nodelist", node_list(self.nodelist)),
            string_field("delnodelist", node_list(self.delnodelist)),
        )

    @classmethod
    def parse(cls, msg: Message) -> RepNodes:
        return cls(
            token(msg, "dest"),
            tuple(req(msg, "nodelist").split()),
            tuple((msg.get("delnodelist") or "").split()),
        )


MessageBody = (
    Status
    | NsAckmsg
    | NsRexmit
    | Starting
    | ReqNodes
    | RepNodes
    | Resource
    | AskResources
    | HbTakeover
    | IpRequest
    | IpRequestResp
    | Stonith
    | Shutdone
)

BODY_TYPES: dict[str, type[MessageBody]] = {
    c.T: c
    for c in (
        Status,
        NsAckmsg,
        NsRexmit,
        Starting,
        ReqNodes,
        RepNodes,
        Resource,
        AskResources,
        HbTakeover,
        IpRequest,
        IpRequestResp,
        Stonith,
        Shutdone,
    )
}


@dataclass(frozen=True, slots=True)
class Parsed:
    envelope: Envelope
    body: MessageBody


def parse_body(msg: Message) -> MessageBody:
    t = msg.type
    cls = BODY_TYPES.get(t or "")
    if cls is None:
        raise WireError("unknown_type", f"message type {t!r} is not a v1 message type")
    return cls.parse(msg)


def parse(msg: Message) -> Parsed:
    """Typed view of a received message (envelope + body)."""
    return Parsed(parse_envelope(msg), parse_body(msg))


def rebuild(parsed: Parsed) -> Body:
    """The unsigned fields of ``parsed`` in Heartbeat's order (inverse of :func:`parse`)."""
    e = parsed.envelope
    return envelope(
        parsed.body.fields(),
        src=e.src,
        srcuuid=e.srcuuid,
        seq=e.seq,
        hg=e.hg,
        ts=e.ts,
        ld=e.ld,
        ttl=e.ttl,
        dest=e.dest,
        destuuid=e.destuuid,
    )


# -- constructor functions (the engine's vocabulary) -----------------------------------


def status(st: str, dt_ms: int, protocol: int = 1) -> Body:
    return Status(st, dt_ms, protocol).fields()


def ns_ackmsg(dest: str, ackseq: int) -> Body:
    return NsAckmsg(dest, ackseq).fields()


def ns_rexmit(dest: str, firstseq: int, lastseq: int) -> Body:
    return NsRexmit(dest, firstseq, lastseq).fields()


def starting() -> Body:
    return Starting().fields()


def reqnodes(dest: str) -> Body:
    return ReqNodes(dest).fields()


def repnodes(dest: str, nodelist: Iterable[str], delnodelist: Iterable[str] = ()) -> Body:
    return RepNodes(dest, tuple(nodelist), tuple(delnodelist)).fields()


def resource(
    rsc_hold: str,
    *,
    rtype: str | None = None,
    isstable: bool | None = None,
    info: str | None = None,
) -> Body:
    return Resource(Hold(rsc_hold), info, isstable, rtype).fields()


def ask_resources(rsc_hold: str, info: str) -> Body:
    return AskResources(Hold(rsc_hold), AskInfo(info)).fields()


def hb_takeover(rsc_hold: str) -> Body:
    return HbTakeover(Hold(rsc_hold)).fields()


def ip_request(ipaddr: str) -> Body:
    return IpRequest(ipaddr).fields()


def ip_request_resp(dest: str, ipaddr: str, weown: bool, ok: str = "OK") -> Body:
    return IpRequestResp(dest, ipaddr, weown, ok == "OK").fields()


def stonith(node: str, result: str) -> Body:
    return Stonith(node, StonithResult(result)).fields()


def shutdone(st: str = "dead") -> Body:
    return Shutdone(st).fields()
