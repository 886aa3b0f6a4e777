"""The membership engine's ``Send`` as signed bytes: the envelope (``src srcuuid [seq] hg
ts [ld] ttl``) after the body, signed with this node's authkeys, and a bounded history of
our sequenced datagrams, re-sent byte for byte when a peer asks (``NS_rexmit``).

Pure: the wall-clock time stamp ``ts`` and the load average ``ld`` are given by the caller.
"""

from __future__ import annotations

from collections import OrderedDict

from ha_agents.config.model import AuthKeys
from ha_agents.membership.actions import Send
from ha_agents.membership.core import OWN_TYPES
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
        self._src = src.encode("latin-1")
        self._hg = f"{generation:x}".encode()
        self._ttl = str(ttl).encode()

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

    def _trusted(self, send: Send, ts: int, ld: str) -> list[tuple[bytes, bytes, int]]:
        """:meth:`fields` as raw triples, for the engine's own messages (built here from
        the configuration, never from a client): :func:`sign_trusted` skips the checks."""
        out = [
            (n.encode("ascii"), v.encode("latin-1"), 0)
            if isinstance(v, str)
            else (n.encode("ascii"), v, 1)
            for n, v in send.body
        ]
        out += [(b"src", self._src, 0), (b"srcuuid", self.uuid, 1)]
        if send.seq is not None:
            out.append((b"seq", b"%x" % send.seq, 0))
        out += [(b"hg", self._hg, 0), (b"ts", b"%x" % ts, 0)]
        if send.seq is not None:
            out.append((b"ld", ld.encode("latin-1"), 0))
        out.append((b"ttl", self._ttl, 0))
        return out

    def encode(self, send: Send, ts: int, ld: str = NO_LOAD) -> bytes:
        if send.msgtype in OWN_TYPES:
            data = self.auth.sign_trusted(self._trusted(send, ts, ld))
        else:
            data = self.auth.sign(self.fields(send, ts, ld))
        if send.seq is not None:
            self.history[send.seq] = data
            while len(self.history) > HISTORY:
                self.history.popitem(last=False)
        return data

    def stored(self, seq: int) -> bytes | None:
        return self.history.get(seq)
