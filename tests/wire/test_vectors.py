"""Every shared test vector: real Heartbeat datagrams verify and re-encode byte for byte;
every tampered one is refused for the right reason."""

from __future__ import annotations

import pytest

from ha_agents.wire.auth import open_datagram, sign
from ha_agents.wire.codec import WireError, _decode_netstring, decode, encode_netstring
from ha_agents.wire.messages import parse, rebuild
from tests.wire.helpers import INVALID, VALID, Vector

# tamper kind -> the reason we must give (tampered.jsonl, README "one defect each")
EXPECTED_REASON = {
    "byteflip-seq": "bad_trailer_digest",
    "byteflip-src": "bad_trailer_digest",
    "byteflip-t": "bad_trailer_digest",
    "byteflip-hg": "bad_trailer_digest",
    "byteflip-srcuuid": "bad_trailer_digest",
    "trailer-digest-char": "bad_trailer_digest",
    "wrong-key": "bad_trailer_digest",
    "truncated-half": "truncated",
    "missing-trailer": "no_trailer",
    "truncated-last-byte": "truncated",
    "missing-auth-field": "bad_trailer_digest",  # removed without re-signing the trailer
    "duplicate-field": "duplicate_field",
    "trailer-key-index": "unknown_key_index",
    "missing-end-marker": "bad_field",  # the trailer is read as a field without "(type)"
    "bad-netstring-length": "bad_netstring",
}


def _id(v: Vector) -> str:
    return v.name


def test_vectors_present() -> None:
    assert len(VALID) >= 200 and len(INVALID) >= 40
    assert {v.method.value for v in VALID} == {"md5", "sha1", "crc"}


@pytest.mark.parametrize("vec", VALID, ids=_id)
def test_valid_vector_decodes_verifies_and_reencodes_identically(vec: Vector) -> None:
    dg = decode(vec.data)
    assert dg.format == "netstring"
    assert dg.trailer is not None and dg.trailer.key_index == vec.key_index
    assert dg.message.names[-1] == "auth"
    assert dg.encode() == vec.data
    assert encode_netstring(dg.message.fields, dg.trailer) == vec.data
    assert _decode_netstring(vec.data) == dg  # the fast path agrees with the exact parser
    msg = open_datagram(vec.data, vec.auth_keys())
    assert msg == dg.message
    assert msg.get("src") in {"node1", "node2"}


@pytest.mark.parametrize("vec", VALID, ids=_id)
def test_valid_vector_rebuilt_from_typed_values_signs_to_identical_bytes(vec: Vector) -> None:
    msg = open_datagram(vec.data, vec.auth_keys())
    parsed = parse(msg)
    assert msg.type == parsed.body.T
    assert sign(rebuild(parsed), vec.auth_key()) == vec.data


@pytest.mark.parametrize("vec", INVALID, ids=_id)
def test_tampered_vector_rejected_with_reason(vec: Vector) -> None:
    with pytest.raises(WireError) as err:
        open_datagram(vec.data, vec.auth_keys())
    assert vec.tamper in EXPECTED_REASON, f"unknown tamper kind {vec.tamper}"
    assert err.value.reason == EXPECTED_REASON[vec.tamper], err.value.detail


def test_crc_digest_without_leading_zeros_occurs_and_verifies() -> None:
    crc = [v for v in VALID if v.method.value == "crc"]
    short = [v for v in crc if len(v.data.rsplit(b" ", 1)[1]) < 9]  # "<hex>," < 8 digits
    assert short, "crc vectors include digests shorter than 8 hex digits"
    for v in short:
        open_datagram(v.data, v.auth_keys())
