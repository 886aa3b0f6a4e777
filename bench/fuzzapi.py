"""The ``api`` fuzz target of bench/fuzz.py: hostile byte streams through the client-API
server (``ha_agents.api.server.ApiServer``: framing, ha_msg parsing, signon, requests).

Inputs: random bytes, valid frames (a signon, every request, cluster messages) cut,
bit-flipped, with wrong magic or absurd lengths, spliced together, fed in random
chunks on many connections at once.  The server must never raise; every connection it
drops must be counted.
"""

from __future__ import annotations

import random
import struct
import time
from collections import Counter
from collections.abc import Iterator

from ha_agents.api.events import Connected, Disconnected, Received
from ha_agents.api.queries import HANDLERS
from tests.api.helpers import frame, req, server, signon

CONNS = 64


def _valid(rng: random.Random, pid: int) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return signon(pid, rng.choice([None, "ipfail", "dopd", "x" * 40]), 0, rng.choice([0, 105]))
    if kind == 1:
        extra = rng.choice(
            [(), (("node", "node2"),), (("pname", "keepalive"),), (("cn", "ipfail"),)]
        )
        return req(rng.choice(sorted(HANDLERS)), pid, str(pid), *extra)
    if kind == 2:
        return frame(("t", rng.choice(["num_ping_nodes", "ask_resources", "status"])), ("src", "n"))
    return frame(*[(f"f{i}", "v" * rng.randrange(50)) for i in range(rng.randrange(20))])


def _mutate(rng: random.Random, data: bytes) -> bytes:
    op = rng.randrange(7)
    if op == 0:
        return data[: rng.randrange(len(data) + 1)]
    if op == 1 and data:
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if op == 2:
        return struct.pack("<iI", rng.randrange(-5, 1 << 31), rng.choice([0xABCD, 0xDCBA])) + data
    if op == 3:
        return rng.randbytes(rng.randrange(1, 600))
    if op == 4:
        return data * rng.randrange(2, 5)
    return data


def stream(seed: int) -> Iterator[tuple[int, bytes]]:
    rng = random.Random(seed)
    while True:
        cid = rng.randrange(1, CONNS + 1)
        yield cid, _mutate(rng, _valid(rng, 1000 + cid))


def fuzz_api(count: int, seed: int, rss_mb: object) -> dict[str, object]:
    srv = server((("dopd", "uid=0"),))
    live: set[int] = set()
    outputs: Counter[str] = Counter()
    slowest = 0.0
    t0 = time.perf_counter()
    now = 0.0
    gen = stream(seed)
    rss = rss_mb  # a callable from bench/fuzz.py
    rss_warm = rss()  # type: ignore[operator]
    for i in range(count):
        cid, data = next(gen)
        now += 0.001
        a = time.perf_counter()
        if cid not in live:
            srv.handle(Connected(cid, 0, 0, 1000 + cid, now))
            live.add(cid)
        for out in srv.handle(Received(cid, data, now)):
            outputs[type(out).__name__] += 1
            if type(out).__name__ == "CloseClient":
                live.discard(cid)
                srv.handle(Disconnected(cid, "closed", now))
        slowest = max(slowest, time.perf_counter() - a)
        if i == min(count - 1, 20_000):
            rss_warm = rss()  # type: ignore[operator]
    elapsed = time.perf_counter() - t0
    return {
        "mode": "api",
        "inputs": count,
        "outputs": dict(outputs),
        "clients_dropped_by_reason": dict(sorted(srv.counters.items(), key=lambda kv: -kv[1])),
        "slowest_input_ms": round(slowest * 1000, 3),
        "inputs_per_s": round(count / elapsed),
        "elapsed_s": round(elapsed, 1),
        "rss_after_warmup_mb": round(float(rss_warm), 1),  # type: ignore[arg-type]
        "rss_end_mb": round(float(rss()), 1),  # type: ignore[operator]
    }
