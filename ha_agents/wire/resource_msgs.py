"""The v1 resource-protocol messages, defined once: ``starting``, ``resource``,
``ask_resources``, ``hb_takeover``, ``ip-request``, ``ip-request-resp``, ``stonith``,
``shutdone`` (docs/heartbeat/protocol.md §2-6).

Each type gives its body in Heartbeat's wire order (``body()``: name/value pairs, what the
membership engine sends; ``fields()``: wire fields) and reads a received message two
ways: ``parse`` strictly (a bad value raises ``WireError``: ``decode`` and the capture
tests), :func:`read` as a Heartbeat 3.0.6 peer reads it (a bad message is ignored, a
missing ``rsc_hold`` of ``ask_resources`` means all...: what the failover manager acts
on).  Pure code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Protocol

from ha_agents.wire.errors import WireError
from ha_agents.wire.fieldread import choice, req, string_field, token
from ha_agents.wire.message import Field, Message

BodyField = tuple[str, str]
Body = tuple[Field, ...]
#: Values of ``rsc_hold`` (which resources a node holds / asks for).
RSC_HOLD = ("all", "local", "foreign", "none")


class Hold(enum.Enum):
    """Which resource category a node holds (``rsc_hold``, cl_status ``rscstatus``)."""

    NONE = "none"
    LOCAL = "local"
    FOREIGN = "foreign"
    ALL = "all"

    @classmethod
    def of(cls, local: bool, foreign: bool) -> Hold:
        if local and foreign:
            return cls.ALL
        if local:
            return cls.LOCAL
        if foreign:
            return cls.FOREIGN
        return cls.NONE

    @property
    def local(self) -> bool:
        return self in (Hold.LOCAL, Hold.ALL)

    @property
    def foreign(self) -> bool:
        return self in (Hold.FOREIGN, Hold.ALL)

    def complement(self) -> Hold:
        """hb_takeover X: the peer goes standby with this (all->all, local<->foreign)."""
        return {Hold.LOCAL: Hold.FOREIGN, Hold.FOREIGN: Hold.LOCAL}.get(self, self)


def parse_which(text: str) -> Hold | None:
    """The hb_standby / hb_takeover argument: all, foreign, local, failback (= foreign)."""
    if text == "failback":
        return Hold.FOREIGN
    if text in ("all", "foreign", "local"):
        return Hold(text)
    return None


class AskInfo(enum.Enum):
    ME = "me"  # the sender wants to go standby
    OTHER = "other"  # the receiver of 'me' agrees to take the resources
    DONE = "done"  # the sender finished its part


class StonithResult(enum.Enum):
    NOT_CONFIGURED = "n_stnth"
    UNNEEDED = "unneeded"
    OK = "OK"
    BAD = "badstonith"


def _fields(body: tuple[BodyField, ...]) -> Body:
    return tuple(string_field(n, v) for n, v in body)


def _enum(msg: Message, name: str, kind: type[enum.Enum]) -> str:
    return choice(msg, name, [e.value for e in kind])


@dataclass(frozen=True, slots=True)
class Starting:
    """``t=starting``: sent once when the local status becomes active."""

    T: ClassVar[str] = "starting"

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T),)

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> Starting:
        return cls()


@dataclass(frozen=True, slots=True)
class Resource:
    """``t=resource``: what the sender holds; ``isstable`` '0' during a transition.

    Wire orders: ``rsc_hold rtype isstable [info]`` or ``rsc_hold info`` (mach_down).
    How Heartbeat 3.0.6 reads one from its peer (hb_resource.c, process_resources):
    ``rsc_hold`` must be none/local/foreign/all (anything else reads as none, with an
    ERROR); with ``rtype=full`` it *replaces* what Heartbeat believes the peer holds,
    without it the value is ORed in (``none`` still clears); ``isstable=1`` marks the
    peer stable, any other value unstable, absent leaves it unchanged; ``info`` is read
    only on its own messages (mach_down, shutdown).  So every announcement of
    everything we hold carries ``rtype=full`` (failover/state.py ``announce``); only
    mach_down's ``rsc_hold=foreign`` is incremental, as Heartbeat's own mach_down script
    sends it.
    """

    T: ClassVar[str] = "resource"
    rsc_hold: Hold
    info: str | None = None
    isstable: bool | None = None
    rtype: str | None = None

    def body(self) -> tuple[BodyField, ...]:
        out: list[BodyField] = [("t", self.T), ("rsc_hold", self.rsc_hold.value)]
        if self.rtype is not None:
            out.append(("rtype", self.rtype))
        if self.isstable is not None:
            out.append(("isstable", "1" if self.isstable else "0"))
        if self.info is not None:
            out.append(("info", self.info))
        return tuple(out)

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> Resource:
        stable = msg.get("isstable")
        if stable not in (None, "0", "1"):
            raise WireError("bad_value", f"isstable={stable[:20]!r} is not 0 or 1")
        hold = Hold(choice(msg, "rsc_hold", RSC_HOLD))
        return cls(
            hold, msg.get("info"), None if stable is None else stable == "1", msg.get("rtype")
        )


@dataclass(frozen=True, slots=True)
class AskResources:
    """``t=ask_resources``: standby negotiation (``info`` = me / other / done)."""

    T: ClassVar[str] = "ask_resources"
    rsc_hold: Hold
    info: AskInfo

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T), ("rsc_hold", self.rsc_hold.value), ("info", self.info.value))

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> AskResources:
        return cls(Hold(choice(msg, "rsc_hold", RSC_HOLD)), AskInfo(_enum(msg, "info", AskInfo)))


@dataclass(frozen=True, slots=True)
class HbTakeover:
    """``t=hb_takeover``: the sender asks the peer to go standby for ``rsc_hold``."""

    T: ClassVar[str] = "hb_takeover"
    rsc_hold: Hold

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T), ("rsc_hold", self.rsc_hold.value))

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> HbTakeover:
        return cls(Hold(choice(msg, "rsc_hold", RSC_HOLD)))


@dataclass(frozen=True, slots=True)
class IpRequest:
    """``t=ip-request`` (auto_failback legacy): the home node asks for its group
    (``ipaddr`` is the group's key)."""

    T: ClassVar[str] = "ip-request"
    ipaddr: str

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T), ("ipaddr", self.ipaddr))

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> IpRequest:
        return cls(req(msg, "ipaddr"))


@dataclass(frozen=True, slots=True)
class IpRequestResp:
    """``t=ip-request-resp``: the owner's answer (``weown``), ``ok=OK``."""

    T: ClassVar[str] = "ip-request-resp"
    dest: str
    ipaddr: str
    weown: bool
    ok: bool = True

    def body(self) -> tuple[BodyField, ...]:
        return (
            ("t", self.T),
            ("dest", self.dest),
            ("ipaddr", self.ipaddr),
            ("weown", "yes" if self.weown else "no"),
            ("ok", "OK" if self.ok else "no"),
        )

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> IpRequestResp:
        weown = choice(msg, "weown", ("yes", "no")) == "yes"
        return cls(token(msg, "dest"), req(msg, "ipaddr"), weown, req(msg, "ok") == "OK")


@dataclass(frozen=True, slots=True)
class Stonith:
    """``t=stonith``: fencing result for ``node`` (``n_stnth``, ``unneeded``...)."""

    T: ClassVar[str] = "stonith"
    node: str
    result: StonithResult

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T), ("node", self.node), ("result", self.result.value))

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> Stonith:
        return cls(token(msg, "node"), StonithResult(_enum(msg, "result", StonithResult)))


@dataclass(frozen=True, slots=True)
class Shutdone:
    """``t=shutdone st=dead``: the last message of a clean shutdown (membership sends it;
    the failover manager reads it)."""

    T: ClassVar[str] = "shutdone"
    st: str = "dead"

    def body(self) -> tuple[BodyField, ...]:
        return (("t", self.T), ("st", self.st))

    def fields(self) -> Body:
        return _fields(self.body())

    @classmethod
    def parse(cls, msg: Message) -> Shutdone:
        return cls(token(msg, "st"))


OutMessage = Starting | Resource | AskResources | HbTakeover | IpRequest | IpRequestResp | Stonith
InMessageBody = OutMessage | Shutdone
RESOURCE_TYPES: tuple[type[InMessageBody], ...] = (
    Starting,
    Resource,
    AskResources,
    HbTakeover,
    IpRequest,
    IpRequestResp,
    Stonith,
    Shutdone,
)


class FieldSource(Protocol):
    def get(self, name: str) -> str | None: ...


def read(message: FieldSource) -> InMessageBody | None:
    """A received message as a Heartbeat 3.0.6 peer reads it, or None when it is not one
    of these types or is malformed (a bad value is dropped, never raised)."""
    t = message.get("t")
    if t == "starting":
        return Starting()
    if t == "shutdone":
        return Shutdone()
    if t == "resource":
        hold = _hold(message.get("rsc_hold"))
        if hold is None:
            return None
        stable = message.get("isstable")
        return Resource(
            rsc_hold=hold,
            info=message.get("info"),
            isstable=None if stable is None else stable.strip() == "1",
            rtype=message.get("rtype"),
        )
    if t == "ask_resources":
        text = message.get("rsc_hold")
        # Heartbeat's ask_for_resources() reads a missing rsc_hold as all
        hold = Hold.ALL if text is None else _hold(text)
        info = message.get("info")
        if hold is None or info not in ("me", "other", "done"):
            return None
        return AskResources(hold, AskInfo(info))
    if t == "hb_takeover":
        # Heartbeat's rc.d/hb_takeover maps all/local/foreign to the standby it runs;
        # any other word (hb_takeover sends 'failback' verbatim) leaves hb_standby
        # without an argument, i.e. standby all.  We do what a Heartbeat peer does.
        text = (message.get("rsc_hold") or "").strip()
        return HbTakeover(Hold(text) if text in ("all", "local", "foreign") else Hold.ALL)
    if t == "ip-request":
        ipaddr = message.get("ipaddr")
        return None if not ipaddr else IpRequest(ipaddr)
    if t == "ip-request-resp":
        dest, ipaddr = message.get("dest"), message.get("ipaddr")
        if not dest or not ipaddr:
            return None
        return IpRequestResp(
            dest=dest,
            ipaddr=ipaddr,
            weown=message.get("weown") == "yes",
            ok=message.get("ok") == "OK",
        )
    if t == "stonith":
        node, result = message.get("node"), message.get("result")
        if not node:
            return None
        try:
            return Stonith(node, StonithResult(result))
        except ValueError:
            return None
    return None


def _hold(text: str | None) -> Hold | None:
    if text is None:
        return None
    text = text.strip()
    return Hold.NONE if text == "none" else parse_which(text)
