#!/usr/bin/env python3
"""Wire-layer benchmark: decode + strict verify throughput per core, and rejection cost.

    .venv/bin/python bench/wire_bench.py [--seconds S]

Rates are per CPU-second of this one process (``time.process_time``), so they are per
core and not distorted by other load on the machine.  Workload: the real captured
datagrams of tests/wire/vectors (md5, sha1, crc) and the same messages re-signed with
HMAC-SHA256.  Target (issue 4): >= 50,000 verified messages/s for md5 and sha1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location  # noqa: E402
from ha_agents.wire.auth import Authenticator, sign  # noqa: E402
from ha_agents.wire.codec import WireError, decode  # noqa: E402

VECTORS = REPO / "tests" / "wire" / "vectors"
TARGET = 50_000


def _keys(method: str, index: int, key: bytes) -> tuple[AuthKey, Authenticator]:
    k = AuthKey(index, AuthMethod(method), key, Location("bench", 1))
    return k, Authenticator(AuthKeys(index, {index: k}))


def _workloads() -> dict[str, tuple[Authenticator, list[bytes]]]:
    by_run: dict[tuple[str, int, bytes], list[bytes]] = {}
    for name in ("md5", "sha1", "crc"):
        for line in (VECTORS / f"{name}.jsonl").read_text().splitlines():
            v = json.loads(line)
            ident = (v["auth_method"], v["key_index"], v["key"].encode("latin-1"))
            by_run.setdefault(ident, []).append(bytes.fromhex(v["datagram_hex"]))
    out: dict[str, tuple[Authenticator, list[bytes]]] = {}
    for (method, index, key), datagrams in sorted(by_run.items(), key=lambda x: -len(x[1])):
        if method not in out:  # the largest run of each method
            out[method] = (_keys(method, index, key)[1], datagrams)
    md5_auth, md5_data = out["md5"]
    k256, a256 = _keys("sha256", 1, b"bench-sha256-key")
    resigned = [sign(md5_auth.open(d).fields[:-1], k256) for d in md5_data]
    out["sha256"] = (a256, resigned)
    return out


def _rate(fn: Callable[[bytes], object], items: list[bytes], seconds: float) -> float:
    """Calls per CPU-second of this process, best of 3 runs of about ``seconds`` each.

    CPU time (not wall time) so that other processes on a busy machine do not count.
    """
    best = 0.0
    n = len(items)
    for _ in range(3):
        count = 0
        start = time.process_time()
        deadline = start + seconds
        while True:
            for d in items:
                fn(d)
            count += n
            now = time.process_time()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def _rejecting(fn: Callable[[bytes], object]) -> Callable[[bytes], object]:
    def run(d: bytes) -> object:
        try:
            fn(d)
        except WireError as exc:
            return exc.reason
        raise AssertionError("garbage was accepted")

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    args = ap.parse_args()
    work = _workloads()
    print(f"wire_bench: python {sys.version.split()[0]}, pid {os.getpid()}, one core")
    print(f"{'method':8} {'datagrams':>9} {'decode/s':>10} {'decode+verify/s':>16} {'us/msg':>7}")
    ok = True
    for method in ("crc", "md5", "sha1", "sha256"):
        auth, data = work[method]
        dec = _rate(decode, data, args.seconds)
        ver = _rate(auth.open, data, args.seconds)
        mark = ""
        if method in ("md5", "sha1"):
            mark = "  ok" if ver >= TARGET else f"  BELOW TARGET {TARGET}"
            ok = ok and ver >= TARGET
        print(f"{method:8} {len(data):9d} {dec:10,.0f} {ver:16,.0f} {1e6 / ver:7.1f}{mark}")

    auth, data = work["md5"]
    rng = random.Random(694)
    random_bytes = [rng.randbytes(rng.randint(1, 400)) for _ in range(500)]
    framed_junk = [b"###\n" + rng.randbytes(rng.randint(1, 400)) for _ in range(500)]
    forged = []
    for d in data:  # a flood of well-framed packets with a wrong trailer digest
        head, _, tail = d.rpartition(b" ")
        forged.append(head + b" " + bytes(reversed(tail[:-1])) + b",")
    wrong_index = [d.replace(b"%%%\n34:1 ", b"%%%\n34:7 ") for d in data]
    truncated = [d[: len(d) // 2] for d in data]
    print()
    print(f"{'rejecting (md5 receiver)':34} {'per second':>12} {'us each':>8}  reason")
    for label, items in (
        ("random bytes", random_bytes),
        ("'###\\n' + random bytes", framed_junk),
        ("truncated real datagrams", truncated),
        ("unknown key index", wrong_index),
        ("forged trailer digest", forged),
    ):
        reasons = sorted({str(_rejecting(auth.open)(d)) for d in items})
        rate = _rate(_rejecting(auth.open), items, args.seconds)
        shown = ",".join(reasons[:3]) + ("..." if len(reasons) > 3 else "")
        print(f"{label:34} {rate:12,.0f} {1e6 / rate:8.1f}  {shown}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
