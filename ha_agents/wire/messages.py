"""Typed v1 messages: constructors in Heartbeat's exact field order, and parsers.

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

from ha_agents.wire.codec import Field, Message
from ha_agents.wire.errors import WireError

Body = tuple[Field, ...]

#: Message types Heartbeat sends without ``seq`` and ``ld``.
UNSEQUENCED = frozenset({"NS_ackmsg", "NS_rexmit"})
#: Values of ``rsc_hold`` (which resources a node holds / asks for).
RSC_HOLD = ("all", "local", "foreign", "none")
#: Longest hex number accepted (64-bit).
_MAX_HEX = 16


def _s(name: str, value: str) -> Field:
    return Field.text(name, value)


def _hexs(n: int) -> str:
    if n < 0:
        raise ValueError(f"negative number {n}")
    return f"{n:x}"


# -- reading helpers -------------------------------------------------------------------


def _req(msg: Message, name: str) -> str:
    v = msg.get(name)
    if v is None:
        raise WireError("missing_field", f"{msg.type or '?'} message without {name!r}")
    return v


def _req_bytes(msg: Message, name: str) -> bytes:
    v = msg.get_bytes(name)
    if v is None:
        raise WireError("missing_field", f"{msg.type or '?'} message without {name!r}")
    return v


def _hex_value(name: str, text: str) -> int:
    if not text or len(text) > _MAX_HEX or text.strip("0123456789abcdefABCDEF"):
        raise WireError("bad_value", f"{name}={text[:40]!r} is not a hex number")
    return int(text, 16)


def _dec_value(name: str, text: str) -> int:
    if not text or len(text) > 9 or not text.isdigit() or not text.isascii():
        raise WireError("bad_value", f"{name}={text[:40]!r} is not a decimal number")
    return int(text)


def _opt_hex(msg: Message, name: str) -> int | None:
    v = msg.get(name)
    return None if v is None else _hex_value(name, v)


def _choice(msg: Message, name: str, allowed: Iterable[str]) -> str:
    v = _req(msg, name)
    if v not in allowed:
        raise WireError("bad_value", f"{name}={v[:40]!r} is not one of {', '.join(allowed)}")
    return v


def _token(msg: Message, name: str) -> str:
    v = _req(msg, name)
    if not v or any(c.isspace() for c in v):
        raise WireError("bad_value", f"{name}={v[:40]!r} is not a single word")
    return v


def _node_list(names: tuple[str, ...]) -> str:
    """``node1 node2 `` (each name followed by a space); a single space when empty."""
    return "".join(f"{n} " for n in names) or " "


# -- the envelope ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Envelope:
    """The fields the sending daemon adds (plus ``dest``/``destuuid`` of addressed ones)."""

    src: str
    srcuuid: bytes
    hg: int
    ts: int
    ttl: int
    seq: int | None = None
    ld: str | None = None
    dest: str | None = None
    destuuid: bytes | None = None


def envelope(
    body: Iterable[Field | tuple[str, str | bytes]],
    *,
    src: str,
    srcuuid: bytes,
    seq: int | None,
    hg: int,
    ts: int,
    ld: str | None,
    ttl: int,
    dest: str | None = None,
    destuuid: bytes | None = None,
) -> Body:
    """``body`` + ``[dest] [destuuid] src srcuuid [seq] hg ts [ld] ttl``, in that order.

    ``body`` items are :class:`Field` or ``(name, str | bytes)`` pairs (str -> string
    field, bytes -> binary).  ``dest`` is appended only if the body has none (the typed
    bodies carry it where Heartbeat puts it).  Pass ``seq=None, ld=None`` for the
    unsequenced types (NS_ackmsg, NS_rexmit).
    """
    out: list[Field] = []
    for item in body:
        if isinstance(item, Field):
            out.append(item)
        else:
            name, value = item
            out.append(
                Field.text(name, value) if isinstance(value, str) else Field.binary(name, value)
            )
    if not out or all(f.name != "t" for f in out):
        raise ValueError("envelope(): the body has no 't' field")
    if any(f.name == "auth" for f in out):
        raise ValueError("envelope(): the body already has an 'auth' field")
    if dest is not None and all(f.name != "dest" for f in out):
        out.append(_s("dest", dest))
    if destuuid is not None:
        out.append(Field.binary("destuuid", destuuid))
    out += [_s("src", src), Field.binary("srcuuid", srcuuid)]
    if seq is not None:
        out.append(_s("seq", _hexs(seq)))
    out += [_s("hg", _hexs(hg)), _s("ts", _hexs(ts))]
    if ld is not None:
        out.append(_s("ld", ld))
    out.append(_s("ttl", str(ttl)))
    return tuple(out)


def parse_envelope(msg: Message) -> Envelope:
    ttl = _dec_value("ttl", _req(msg, "ttl"))
    return Envelope(
        src=_token(msg, "src"),
        srcuuid=_req_bytes(msg, "srcuuid"),
        hg=_hex_value("hg", _req(msg, "hg")),
        ts=_hex_value("ts", _req(msg, "ts")),
        ttl=ttl,
        seq=_opt_hex(msg, "seq"),
        ld=msg.get("ld"),
        dest=msg.get("dest"),
        destuuid=msg.get_bytes("destuuid"),
    )


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
            _s("t", self.T),
            _s("st", self.st),
            _s("dt", _hexs(self.dt_ms)),
            _s("protocol", str(self.protocol)),
        )

    @classmethod
    def parse(cls, msg: Message) -> Status:
        return cls(
            _token(msg, "st"),
            _hex_value("dt", _req(msg, "dt")),
            _dec_value("protocol", _req(msg, "protocol")),
        )


@dataclass(frozen=True, slots=True)
class NsAckmsg:
    """``t=NS_ackmsg``: ``dest``'s messages up to ``ackseq`` were received."""

    T: ClassVar[str] = "NS_ackmsg"
    dest: str
    ackseq: int

    def fields(self) -> Body:
        return (_s("t", self.T), _s("dest", self.dest), _s("ackseq", _hexs(self.ackseq)))

    @classmethod
    def parse(cls, msg: Message) -> NsAckmsg:
        return cls(_token(msg, "dest"), _hex_value("ackseq", _req(msg, "ackseq")))


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
            _s("t", self.T),
            _s("dest", self.dest),
            _s("firstseq", str(self.firstseq)),
            _s("lastseq", str(self.lastseq)),
        )

    @classmethod
    def parse(cls, msg: Message) -> NsRexmit:
        first = _dec_value("firstseq", _req(msg, "firstseq"))
        last = _dec_value("lastseq", _req(msg, "lastseq"))
        if last < first:
            raise WireError("bad_value", f"lastseq {last} < firstseq {first}")
        return cls(_token(msg, "dest"), first, last)


@dataclass(frozen=True, slots=True)
class Starting:
    """``t=starting``: sent once when the local status becomes active."""

    T: ClassVar[str] = "starting"

    def fields(self) -> Body:
        return (_s("t", self.T),)

    @classmethod
    def parse(cls, msg: Message) -> Starting:
        return cls()


@dataclass(frozen=True, slots=True)
class ReqNodes:
    """``t=reqnodes``: a joining node asks ``dest`` for the node list."""

    T: ClassVar[str] = "reqnodes"
    dest: str

    def fields(self) -> Body:
        return (_s("t", self.T), _s("dest", self.dest))

    @classmethod
    def parse(cls, msg: Message) -> ReqNodes:
        return cls(_token(msg, "dest"))


@dataclass(frozen=True, slots=True)
class RepNodes:
    """``t=repnodes``: the node list (note: Heartbeat puts ``dest`` before ``t``)."""

    T: ClassVar[str] = "repnodes"
    dest: str
    nodelist: tuple[str, ...]
    delnodelist: tuple[str, ...] = ()

    def fields(self) -> Body:
        return (
            _s("dest", self.dest),
            _s("t", self.T),
            _s("nodelist", _node_list(self.nodelist)),
            _s("delnodelist", _node_list(self.delnodelist)),
        )

    @classmethod
    def parse(cls, msg: Message) -> RepNodes:
        return cls(
            _token(msg, "dest"),
            tuple(_req(msg, "nodelist").split()),
            tuple((msg.get("delnodelist") or "").split()),
        )


@dataclass(frozen=True, slots=True)
class Resource:
    """``t=resource``: what the sender holds (``rsc_hold``), ``isstable`` once settled.

    Wire orders: ``rsc_hold rtype isstable [info]`` or ``rsc_hold info`` (mach_down);
    absent fields are None.
    """

    T: ClassVar[str] = "resource"
    rsc_hold: str
    rtype: str | None = None
    isstable: bool | None = None
    info: str | None = None

    def fields(self) -> Body:
        out = [_s("t", self.T), _s("rsc_hold", self.rsc_hold)]
        if self.rtype is not None:
            out.append(_s("rtype", self.rtype))
        if self.isstable is not None:
            out.append(_s("isstable", "1" if self.isstable else "0"))
        if self.info is not None:
            out.append(_s("info", self.info))
        return tuple(out)

    @classmethod
    def parse(cls, msg: Message) -> Resource:
        stable = msg.get("isstable")
        if stable not in (None, "0", "1"):
            raise WireError("bad_value", f"isstable={stable[:20]!r} is not 0 or 1")
        return cls(
            _choice(msg, "rsc_hold", RSC_HOLD),
            msg.get("rtype"),
            None if stable is None else stable == "1",
            msg.get("info"),
        )


@dataclass(frozen=True, slots=True)
class AskResources:
    """``t=ask_resources``: standby negotiation (``info`` = me / other / done)."""

    T: ClassVar[str] = "ask_resources"
    rsc_hold: str
    info: str

    def fields(self) -> Body:
        return (_s("t", self.T), _s("rsc_hold", self.rsc_hold), _s("info", self.info))

    @classmethod
    def parse(cls, msg: Message) -> AskResources:
        return cls(_choice(msg, "rsc_hold", RSC_HOLD), _req(msg, "info"))


@dataclass(frozen=True, slots=True)
class HbTakeover:
    """``t=hb_takeover``: the sender asks the peer to go standby for ``rsc_hold``."""

    T: ClassVar[str] = "hb_takeover"
    rsc_hold: str

    def fields(self) -> Body:
        return (_s("t", self.T), _s("rsc_hold", self.rsc_hold))

    @classmethod
    def parse(cls, msg: Message) -> HbTakeover:
        return cls(_choice(msg, "rsc_hold", RSC_HOLD))


@dataclass(frozen=True, slots=True)
class IpRequest:
    """``t=ip-request`` (auto_failback legacy): the home node asks for its group."""

    T: ClassVar[str] = "ip-request"
    ipaddr: str

    def fields(self) -> Body:
        return (_s("t", self.T), _s("ipaddr", self.ipaddr))

    @classmethod
    def parse(cls, msg: Message) -> IpRequest:
        return cls(_req(msg, "ipaddr"))


@dataclass(frozen=True, slots=True)
class IpRequestResp:
    """``t=ip-request-resp``: the owner's answer (``weown``), ``ok=OK``."""

    T: ClassVar[str] = "ip-request-resp"
    dest: str
    ipaddr: str
    weown: bool
    ok: str = "OK"

    def fields(self) -> Body:
        return (
            _s("t", self.T),
            _s("dest", self.dest),
            _s("ipaddr", self.ipaddr),
            _s("weown", "yes" if self.weown else "no"),
            _s("ok", self.ok),
        )

    @classmethod
    def parse(cls, msg: Message) -> IpRequestResp:
        return cls(
            _token(msg, "dest"),
            _req(msg, "ipaddr"),
            _choice(msg, "weown", ("yes", "no")) == "yes",
            _req(msg, "ok"),
        )


@dataclass(frozen=True, slots=True)
class Stonith:
    """``t=stonith``: fencing result for ``node`` (``n_stnth``, ``unneeded``...)."""

    T: ClassVar[str] = "stonith"
    node: str
    result: str

    def fields(self) -> Body:
        return (_s("t", self.T), _s("node", self.node), _s("result", self.result))

    @classmethod
    def parse(cls, msg: Message) -> Stonith:
        return cls(_token(msg, "node"), _req(msg, "result"))


@dataclass(frozen=True, slots=True)
class Shutdone:
    """``t=shutdone st=dead``: the last message of a clean shutdown."""

    T: ClassVar[str] = "shutdone"
    st: str = "dead"

    def fields(self) -> Body:
        return (_s("t", self.T), _s("st", self.st))

    @classmethod
    def parse(cls, msg: Message) -> Shutdone:
        return cls(_token(msg, "st"))


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
    return Resource(rsc_hold, rtype, isstable, info).fields()


def ask_resources(rsc_hold: str, info: str) -> Body:
    return AskResources(rsc_hold, info).fields()


def hb_takeover(rsc_hold: str) -> Body:
    return HbTakeover(rsc_hold).fields()


def ip_request(ipaddr: str) -> Body:
    return IpRequest(ipaddr).fields()


def ip_request_resp(dest: str, ipaddr: str, weown: bool, ok: str = "OK") -> Body:
    return IpRequestResp(dest, ipaddr, weown, ok).fields()


def stonith(node: str, result: str) -> Body:
    return Stonith(node, result).fields()


def shutdone(st: str = "dead") -> Body:
    return Shutdone(st).fields()
