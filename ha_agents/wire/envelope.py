"""The envelope a sending daemon appends to a message's body, defined once:
``[dest] [destuuid] src srcuuid [seq] hg ts [ld] ttl`` (docs/heartbeat/wire.md §4 "Field
order as emitted"); ``auth`` is added by :func:`ha_agents.wire.auth.sign`.  The daemon's
signing (node/outbound.py), the capture tools and the tests all build it here.  Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ha_agents.wire.fieldread import (
    dec_value,
    hex_value,
    hexs,
    opt_hex,
    req,
    req_bytes,
    string_field,
    token,
)
from ha_agents.wire.message import Field, Message

Body = tuple[Field, ...]


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
        out.append(string_field("dest", dest))
    if destuuid is not None:
        out.append(Field.binary("destuuid", destuuid))
    out += [string_field("src", src), Field.binary("srcuuid", srcuuid)]
    if seq is not None:
        out.append(string_field("seq", hexs(seq)))
    out += [string_field("hg", hexs(hg)), string_field("ts", hexs(ts))]
    if ld is not None:
        out.append(string_field("ld", ld))
    out.append(string_field("ttl", str(ttl)))
    return tuple(out)


def parse_envelope(msg: Message) -> Envelope:
    ttl = dec_value("ttl", req(msg, "ttl"))
    return Envelope(
        src=token(msg, "src"),
        srcuuid=req_bytes(msg, "srcuuid"),
        hg=hex_value("hg", req(msg, "hg")),
        ts=hex_value("ts", req(msg, "ts")),
        ttl=ttl,
        seq=opt_hex(msg, "seq"),
        ld=msg.get("ld"),
        dest=msg.get("dest"),
        destuuid=msg.get_bytes("destuuid"),
    )
