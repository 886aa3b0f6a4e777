"""The v1 resource-protocol messages the failover manager sends and understands.

Typed views of Heartbeat 3.0.6's ``starting``, ``resource``, ``ask_resources``,
``hb_takeover``, ``ip-request``, ``ip-request-resp``, ``stonith`` and ``shutdone``
messages (docs/heartbeat/protocol.md §2-6).  ``body()`` gives the fields in Heartbeat's
wire order (the membership engine appends ``destuuid`` and the envelope);
``parse(msgtype, message)`` reads a received one.  Pure: no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


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


BodyField = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Starting:
    def body(self) -> tuple[BodyField, ...]:
        return (("t", "starting"),)


@dataclass(frozen=True, slots=True)
class Resource:
    """``t=resource``: what the sender holds; ``isstable`` '0' during a transition.

    How Heartbeat 3.0.6 reads one from its peer (hb_resource.c, process_resources):
    ``rsc_hold`` must be none/local/foreign/all (anything else reads as none, with an
    ERROR); with ``rtype=full`` it *replaces* what Heartbeat believes the peer holds,
    without it the value is ORed in (``none`` still clears); ``isstable=1`` marks the
    peer stable, any other value unstable, absent leaves it unchanged; ``info`` is read
    only on its own messages (mach_down, shutdown).  So every announcement of
    everything we hold carries ``rtype=full`` (core.py ``_announce``); only mach_down's
    ``rsc_hold=foreign`` is incremental, as Heartbeat's own mach_down script sends it.
    """

    rsc_hold: Hold
    info: str | None = None
    isstable: bool | None = None
    rtype: str | None = None

    def body(self) -> tuple[BodyField, ...]:
        fields: list[BodyField] = [("t", "resource"), ("rsc_hold", self.rsc_hold.value)]
        if self.rtype is not None:
            fields.append(("rtype", self.rtype))
        if self.isstable is not None:
            fields.append(("isstable", "1" if self.isstable else "0"))
        if self.info is not None:
            fields.append(("info", self.info))
        return tuple(fields)


class AskInfo(enum.Enum):
    ME = "me"  # the sender wants to go standby
    OTHER = "other"  # the receiver of 'me' agrees to take the resources
    DONE = "done"  # the sender finished its part


@dataclass(frozen=True, slots=True)
class AskResources:
    rsc_hold: Hold
    info: AskInfo

    def body(self) -> tuple[BodyField, ...]:
        return (
            ("t", "ask_resources"),
            ("rsc_hold", self.rsc_hold.value),
            ("info", self.info.value),
        )


@dataclass(frozen=True, slots=True)
class HbTakeover:
    rsc_hold: Hold

    def body(self) -> tuple[BodyField, ...]:
        return (("t", "hb_takeover"), ("rsc_hold", self.rsc_hold.value))


@dataclass(frozen=True, slots=True)
class IpRequest:
    """Legacy auto_failback: the home node asks for its group (``ipaddr`` = group key)."""

    ipaddr: str

    def body(self) -> tuple[BodyField, ...]:
        return (("t", "ip-request"), ("ipaddr", self.ipaddr))


@dataclass(frozen=True, slots=True)
class IpRequestResp:
    dest: str
    ipaddr: str
    weown: bool
    ok: bool = True

    def body(self) -> tuple[BodyField, ...]:
        return (
            ("t", "ip-request-resp"),
            ("dest", self.dest),
            ("ipaddr", self.ipaddr),
            ("weown", "yes" if self.weown else "no"),
            ("ok", "OK" if self.ok else "no"),
        )


class StonithResult(enum.Enum):
    NOT_CONFIGURED = "n_stnth"
    UNNEEDED = "unneeded"
    OK = "OK"
    BAD = "badstonith"


@dataclass(frozen=True, slots=True)
class Stonith:
    node: str
    result: StonithResult

    def body(self) -> tuple[BodyField, ...]:
        return (("t", "stonith"), ("node", self.node), ("result", self.result.value))


@dataclass(frozen=True, slots=True)
class Shutdone:
    """A peer's clean-shutdown notice (sent by the membership layer, read here)."""


OutMessage = Starting | Resource | AskResources | HbTakeover | IpRequest | IpRequestResp | Stonith
InMessageBody = OutMessage | Shutdone

#: The message types this layer handles (membership passes them up).
TYPES = (
    "starting",
    "resource",
    "ask_resources",
    "hb_takeover",
    "ip-request",
    "ip-request-resp",
    "stonith",
    "shutdone",
)


class FieldSource(Protocol):
    def get(self, name: str) -> str | None: ...


def parse(message: FieldSource) -> InMessageBody | None:
    """A received message as a typed value, or None when it is not one of ours or is
    malformed (a bad value is dropped, never raised)."""
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
