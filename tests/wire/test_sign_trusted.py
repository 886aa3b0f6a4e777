"""``sign_trusted`` (the daemon's own messages, without per-field checks) gives the very
bytes ``sign`` gives for the same fields, for every key method."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.membership.actions import Send
from ha_agents.node.outbound import Outbound
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.message import Field

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40)


def _auth(method: AuthMethod) -> Authenticator:
    key = b"" if method is AuthMethod.CRC else b"k3y"
    return Authenticator(AuthKeys(1, {1: AuthKey(1, method, key, Location("t", 1))}))


@pytest.mark.parametrize("method", list(AuthMethod))
@given(fields=st.lists(st.tuples(NAMES, st.one_of(TEXT, st.binary(max_size=20))), max_size=8))
def test_sign_trusted_is_sign(method: AuthMethod, fields: list[tuple[str, str | bytes]]) -> None:
    fields = [(n, v) for n, v in fields if n != "auth"]
    auth = _auth(method)
    typed = [Field.text(n, v) if isinstance(v, str) else Field.binary(n, v) for n, v in fields]
    raw = [
        (n.encode(), v.encode("latin-1"), 0) if isinstance(v, str) else (n.encode(), v, 1)
        for n, v in fields
    ]
    assert auth.sign_trusted(raw) == auth.sign(typed)


@pytest.mark.parametrize("seq", [None, 7, 0x100])
def test_outbound_engine_messages_are_signed_as_before(seq: int | None) -> None:
    out = Outbound(_auth(AuthMethod.SHA1).keys, "node1", b"\x00u=\n" * 4, 0x5A, 3)
    for body in (
        (("t", "status"), ("st", "active"), ("dt", "1f4"), ("protocol", "1")),
        (("t", "NS_ackmsg"), ("dest", "node2"), ("ackseq", "a")),
    ):
        send = Send(body, seq, "test")
        assert out.auth.sign_trusted(out._trusted(send, 99, "0.1 0.2")) == out.auth.sign(
            out.fields(send, 99, "0.1 0.2")
        )
