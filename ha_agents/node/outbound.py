"""The membership engine's ``Send`` as signed bytes: the envelope (``src srcuuid [seq] hg
ts [ld] ttl``) after the body, signed with this node's authkeys, and a bounded history of
our sequenced datagrams, re-sent byte for byte when a peer asks (``NS_rexmit``).

Pure: the wall-clock time stamp ``ts`` and the load average ``ld`` are given by the caller.
"""

from __future__ import annotations

from collections import OrderedDict

from ha_agents.config.model import AuthKeys
from ha_agents.membership.actions import Send
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.envelope import Body, envelope

HISTORY = 200  # our datagrams kept for NS_rexmit answers
NO_LOAD = "0.00 0.00 0.00 1/1 1"


class Outbound:
    def __init__(self, keys: AuthKeys, src: str, uuid: bytes, generation: int, ttl: int):
        self.auth = Authenticator(keys)
        self.src = src
        self.uuid = uuid
        self.generation = generation
        self.ttl = ttl
        self.history: OrderedDict[int, bytes] = OrderedDict()

    def fields(self, send: Send, ts: int, ld: str) -> Body:
        """The body with its envelope (wire/envelope.py): unsequenced types carry no
        ``seq`` and no ``ld``."""
        sequenced = send.seq is not None
        return envelope(
            send.body,
            src=self.src,
            srcuuid=self.uuid,
            seq=send.seq,
            hg=self.generation,
            ts=ts,
            ld=ld if sequenced else None,
            ttl=self.ttl,
        )

    def encode(self, send: Send, ts: int, ld: str = NO_LOAD) -> bytes:
        data = self.auth.sign(self.fields(send, ts, ld))
        if send.seq is not None:
            self.history[send.seq] = data
            while len(self.history) > HISTORY:
                self.history.popitem(last=False)
        return data

    def stored(self, seq: int) -> bytes | None:
        return self.history.get(seq)
