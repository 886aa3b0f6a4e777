"""Forged and hostile datagrams: what an attacker on the heartbeat LAN can send.

Used by the hypothesis tests, the live injection tests and bench/fuzz.py.  Everything is
built with the project's own wire layer (``wire.messages.envelope`` + ``wire.auth.sign``)
or by hand where the point is to break the format.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ha_agents.config.model import AuthKey, AuthMethod, Location
from ha_agents.wire.auth import Digester, sign
from ha_agents.wire.codec import Field, classic_text, encode_netstring, netstring
from ha_agents.wire.messages import envelope

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VECTOR_DIRS = [REPO / "tests" / "wire" / "vectors", REPO.parent / "shared" / "spec" / "vectors"]

LOC = Location("forge", 1)
_DIGIT = re.compile(rb"[0-9]")
UUID2 = bytes.fromhex("00112233445566778899aabbccddeeff")


def key(index: int, method: str, secret: str = "") -> AuthKey:
    return AuthKey(index, AuthMethod(method), secret.encode(), LOC)


def status_fields(
    src: str, hg: int, seq: int, st: str = "active", ts: int = 0x6B06A213, dt_ms: int = 500
) -> tuple[Field, ...]:
    """A status message of ``src`` in Heartbeat's field order (without ``auth``)."""
    body = [("t", "status"), ("st", st), ("dt", f"{dt_ms:x}"), ("protocol", "1")]
    return envelope(
        body, src=src, srcuuid=UUID2, seq=seq, hg=hg, ts=ts, ld="0.01 0.02 0.03 1/99 42", ttl=3
    )


def resource_fields(src: str, hg: int, seq: int, rsc_hold: str = "all") -> tuple[Field, ...]:
    body = [("t", "resource"), ("rsc_hold", rsc_hold), ("rtype", "full"), ("isstable", "1")]
    return envelope(
        body, src=src, srcuuid=UUID2, seq=seq, hg=hg, ts=0x6B06A213, ld="0.0 0.0 0.0 1/9 1", ttl=3
    )


def signed(fields: Sequence[Field], k: AuthKey) -> bytes:
    return sign(fields, k)


def with_trailer_only(fields: Sequence[Field], k: AuthKey, inner: bytes | None) -> bytes:
    """A datagram whose trailer is right but whose inner ``auth`` is ``inner`` (None: no
    inner auth field at all) -- Heartbeat 3.0.6 accepts both (wire.md §3.2)."""
    fs = list(fields)
    if inner is not None:
        fs.append(Field("auth", inner, 0))
    body = encode_netstring(fs)
    return body + netstring(Digester(k).auth_value(body))


def unsigned(fields: Sequence[Field]) -> bytes:
    """Netstring framing with no inner auth and no trailer."""
    return encode_netstring(list(fields))


def duplicated(fields: Sequence[Field], name: str, value: bytes, k: AuthKey) -> bytes:
    """``name`` appears twice (second value ``value``); both digests recomputed."""
    fs = list(fields)
    at = next(i for i, f in enumerate(fs) if f.name == name) + 1
    fs.insert(at, Field(name, value, 0))
    return sign(fs, k)


def classic_signed(fields: Sequence[Field], k: AuthKey) -> bytes:
    """The classic ``>>>`` text form with a correct ``auth=`` line."""
    auth = Digester(k).auth_value(classic_text(fields))
    return b">>>\n" + classic_text(fields) + b"auth=" + auth + b"\n<<<\n"


# -- captures ----------------------------------------------------------------------------


def captures() -> list[bytes]:
    """Every distinct real datagram of the test vectors (valid and tampered ones)."""
    import json

    seen: dict[bytes, None] = {}
    for d in VECTOR_DIRS:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.jsonl")):
            for line in path.read_text().splitlines():
                if line.strip():
                    seen.setdefault(bytes.fromhex(json.loads(line)["datagram_hex"]), None)
    return list(seen)


# -- hostile generators (deterministic given the Random) ----------------------------------


def mutate(data: bytes, rnd: random.Random) -> bytes:
    """One to four random edits of a datagram: bit flips, byte changes, insertions,
    deletions, truncation, duplicated or swapped slices, digit changes in lengths."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(9)
        n = len(b)
        if n == 0:
            b.extend(rnd.randbytes(rnd.randint(1, 8)))
            continue
        i = rnd.randrange(n)
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[i] = rnd.randrange(256)
        elif op == 2:
            b[i:i] = rnd.randbytes(rnd.randint(1, 16))
        elif op == 3:
            del b[i : i + rnd.randint(1, 16)]
        elif op == 4:
            del b[i:]
        elif op == 5:
            j = rnd.randrange(n)
            b[i:i] = b[j : j + rnd.randint(1, 64)]
        elif op == 6:  # a length prefix or hex digit changed
            m = _DIGIT.search(b, i) or _DIGIT.search(b)
            if m:
                b[m.start()] = rnd.choice(b"0123456789")
        elif op == 7:
            b[i:i] = rnd.choice([b",", b":", b"=", b"(", b")", b"###\n", b"%%%\n", b"\0", b"\n"])
        else:
            j = rnd.randrange(n)
            i, j = min(i, j), max(i, j)
            b[i:j] = b[i:j][::-1]
    return bytes(b)


@functools.lru_cache(maxsize=2048)
def nested(depth: int, typ: int = 2) -> bytes:
    """A field whose value is a netstring-framed message holding a field whose value is...
    ``depth`` levels deep (type 2 = nested message in Heartbeat's library)."""
    inner = b"###\n" + netstring(b"(0)t=x") + b"%%%\n"
    for _ in range(depth):
        inner = b"###\n" + netstring(b"(%d)m=" % typ + inner) + b"%%%\n"
    return inner + netstring(b"1 00")


@functools.lru_cache(maxsize=4096)
def deep_lengths(depth: int) -> bytes:
    """Netstrings whose content is a netstring whose content is ... (a parser that recursed
    on lengths would blow the stack)."""
    inner = b"x"
    for _ in range(depth):
        inner = netstring(inner)
    return b"###\n" + inner + b"%%%\n" + netstring(b"1 00")


def wrong_encoding(data: bytes, rnd: random.Random) -> bytes:
    """The same datagram in another text encoding or transport form."""
    text = data.decode("latin-1")
    choice = rnd.randrange(7)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-32-le")
    if choice == 2:
        return data.replace(b"\n", b"\r\n")
    if choice == 3:
        return base64.b64encode(data)
    if choice == 4:
        return zlib.compress(data)
    if choice == 5:
        return data.upper()
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text).encode(
        "utf-8"
    )


def signed_random(rnd: random.Random, k: AuthKey, nodes: Sequence[str]) -> bytes:
    """A correctly signed message with random (mostly meaningful) fields: the kind of
    input that gets past the wire layer into the membership engine and the resource
    manager (what a buggy or hostile key holder can send)."""
    types = [
        "status", "resource", "ask_resources", "hb_takeover", "ip-request", "ip-request-resp",
        "starting", "stonith", "shutdone", "NS_ackmsg", "NS_rexmit", "reqnodes", "repnodes",
        "", "bogus",
    ]  # fmt: skip
    values: dict[str, Callable[[], str]] = {
        "st": lambda: rnd.choice(["init", "up", "active", "dead", "", "x" * 300]),
        "dt": lambda: rnd.choice(["1f4", "0", "ffffffffffffffff", "-1", "zz", ""]),
        "rsc_hold": lambda: rnd.choice(["all", "local", "foreign", "none", "", "ALL"]),
        "info": lambda: rnd.choice(["me", "other", "done", "mach_down", "standby", "shutdown"]),
        "seq": lambda: rnd.choice(["1", "2", "ffffffff", "0", "", "g", f"{rnd.randrange(99):x}"]),
        "hg": lambda: rnd.choice(["1", "6b06a214", "ffffffffffffffff", "0", "-5", "1" * 40]),
        "firstseq": lambda: str(rnd.randrange(-2, 1 << 33)),
        "lastseq": lambda: str(rnd.randrange(-2, 1 << 33)),
        "ackseq": lambda: f"{rnd.randrange(1 << 40):x}",
        "ipaddr": lambda: rnd.choice(["IPaddr::192.0.2.50", "", "x" * 200, "../../etc/passwd"]),
        "dest": lambda: rnd.choice([*nodes, "", "nodeX"]),
        "src": lambda: rnd.choice([*nodes, "", "NODE1", "nodeX", "a" * 100]),
        "nodelist": lambda: " ".join(rnd.choices([*nodes, "x"], k=rnd.randrange(5))),
    }
    names = [*values, "t", "isstable", "rtype", "weown", "ok", "node", "result", "ttl"]
    fields = [Field.text("t", rnd.choice(types))]
    for _ in range(rnd.randrange(12)):
        name = rnd.choice(names)
        make = values.get(name)
        value = make() if make else rnd.choice(["0", "1", "yes", "", "full", "3"])
        fields.append(Field.text(name, value))
    if rnd.random() < 0.8:  # mostly a peer (nodes[-1]) with a plausible envelope
        src = nodes[-1] if rnd.random() < 0.85 else rnd.choice(nodes)
        hg = rnd.choice([0x6B06A214, 0x6B06A214, 0x6B06A215, 1])
        fields = [f for f in fields if f.name not in ("src", "hg", "seq", "srcuuid")]
        fields += [Field.text("src", src), Field.binary("srcuuid", UUID2)]
        if rnd.random() < 0.9:
            fields.append(Field.text("seq", f"{rnd.randrange(1, 300):x}"))
        fields.append(Field.text("hg", f"{hg:x}"))
    if rnd.random() < 0.3:
        fields.append(Field.binary("blob", rnd.randbytes(rnd.randrange(64))))
    seen: set[str] = set()
    unique = [f for f in fields if not (f.name in seen or seen.add(f.name))]  # type: ignore[func-returns-value]
    return sign(unique, k)


def hostile(rnd: random.Random, seeds: Sequence[bytes], k: AuthKey, nodes: Sequence[str]) -> bytes:
    """One hostile input, mixing every kind above (weights favour mutated captures)."""
    kind = rnd.randrange(20)
    if kind < 8:
        return mutate(rnd.choice(seeds), rnd)
    if kind < 10:
        return rnd.randbytes(rnd.randrange(600))
    if kind < 13:
        return signed_random(rnd, k, nodes)
    if kind == 13:
        return mutate(signed_random(rnd, k, nodes), rnd)
    if kind == 14:
        return wrong_encoding(rnd.choice(seeds), rnd)
    if kind == 15:
        return nested(rnd.choice([1, 2, 5, 20, 200]), rnd.choice([1, 2, 3, 4, 5, 9]))
    if kind == 16:
        return deep_lengths(rnd.choice([1, 2, 3, 10, 50, 100, 500, 1000, 3000]))
    if kind == 17:  # oversized: just over the limit, or a huge length prefix
        if rnd.random() < 0.5:
            return b"###\n" + netstring(b"(0)x=" + b"a" * (65536 + rnd.randrange(100))) + b"%%%\n"
        return b"###\n" + b"9" * rnd.randrange(1, 40) + b":(0)t=x,%%%\n"
    if kind == 18:  # classic text form, mutated
        return mutate(b">>>\nt=status\nsrc=node2\nseq=1\nhg=1\nauth=1 00\n<<<\n", rnd)
    return rnd.choice(seeds)  # replay of a real capture (signed with other keys)


def stream(seed: int, k: AuthKey, nodes: Sequence[str]) -> Iterator[bytes]:
    rnd = random.Random(seed)
    seeds = captures()
    while True:
        yield hostile(rnd, seeds, k, nodes)
