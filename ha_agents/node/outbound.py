"""EDGE: turn the engine's ``Send`` into signed bytes (envelope + wire.auth signing) and
keep a bounded history of our sequenced datagrams for retransmission."""

from __future__ import annotations

import time
from collections import OrderedDict

from ha_agents.config.model import AuthKeys
from ha_agents.membership.actions import Send
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.codec import Field

HISTORY = 200  # our datagrams kept for NS_rexmit answers


def loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return "0.00 0.00 0.00 1/1 1"


class Outbound:
    def __init__(self, keys: AuthKeys, src: str, uuid: bytes, generation: int, ttl: int):
        self.auth = Authenticator(keys)
        self.src = src
        self.uuid = uuid
        self.generation = generation
        self.ttl = ttl
        self.history: OrderedDict[int, bytes] = OrderedDict()

    def fields(self, send: Send, ts: int, ld: str) -> list[Field]:
        out = [Field.text(n, v) if isinstance(v, str) else Field.binary(n, v) for n, v in send.body]
        out += [Field.text("src", self.src), Field.binary("srcuuid", self.uuid)]
        if send.seq is not None:
            out.append(Field.text("seq", f"{send.seq:x}"))
        out += [Field.text("hg", f"{self.generation:x}"), Field.text("ts", f"{ts:x}")]
        if send.seq is not None:
            out.append(Field.text("ld", ld))
        out.append(Field.text("ttl", str(self.ttl)))
        return out

    def encode(self, send: Send) -> bytes:
        data = self.auth.sign(self.fields(send, int(time.time()), loadavg()))
        if send.seq is not None:
            self.history[send.seq] = data
            while len(self.history) > HISTORY:
                self.history.popitem(last=False)
        return data

    def stored(self, seq: int) -> bytes | None:
        return self.history.get(seq)
