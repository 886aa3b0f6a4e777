"""The one error type of the wire layer.

``WireError.reason`` is a short stable string (the daemon counts dropped datagrams by
it, ``ha-agents decode`` prints it); ``detail`` says what exactly was wrong.
"""

from __future__ import annotations

#: Reasons raised while *parsing* (the datagram is malformed).
FRAMING_REASONS = frozenset(
    {
        "empty",
        "oversize",
        "bad_magic",
        "truncated",
        "bad_length",
        "bad_netstring",
        "bad_field",
        "bad_name",
        "bad_type",
        "bad_base64",
        "too_many_fields",
        "field_too_long",
        "no_trailer",
        "bad_trailer",
        "trailing_garbage",
    }
)

#: Reasons raised while *authenticating* a well-formed datagram.
AUTH_REASONS = frozenset(
    {
        "unsigned",
        "unknown_key_index",
        "downgrade",
        "duplicate_field",
        "unsupported_type",
        "bad_trailer_digest",
        "missing_inner_auth",
        "bad_inner_auth",
        "method_mismatch",
    }
)


class WireError(Exception):
    """A datagram or message the wire layer refuses.

    ``reason`` is one of :data:`FRAMING_REASONS`, :data:`AUTH_REASONS` or, from
    :mod:`ha_agents.wire.messages`, ``"bad_value"`` / ``"missing_field"`` /
    ``"unknown_type"``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    @property
    def malformed(self) -> bool:
        """True when the bytes could not be parsed at all (vs. parsed but not trusted)."""
        return self.reason in FRAMING_REASONS
