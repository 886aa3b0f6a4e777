"""Long-running fuzzing (not a test): hostile datagrams through the daemon's real receive
path, mutated config files through load_config, garbage on a live control socket.

    .venv/bin/python bench/fuzz.py datagrams --count 1000000     # ~1-2 min
    .venv/bin/python bench/fuzz.py config --count 20000
    sudo .venv/bin/python bench/fuzz.py control --count 5000      # starts a daemon on lo
    .venv/bin/python bench/fuzz.py api --count 200000             # client-API server

Reports the inputs fed, how many the wire layer rejected (by reason) and how many reached
the engine, the slowest single input, the rate, and the RSS after warm-up and at the end
(growth = leak).  Exit 1 on any exception other than the wire layer's own, on an internal
error diagnostic, on a daemon that died, or on RSS growth above --max-growth-mb.
Inputs come from tests/reliability/forge.py (random bytes, mutated real captures, nested
and oversized netstrings, wrong encodings, correctly signed random messages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reliability import forge  # noqa: E402

WARMUP = 50_000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fuzz_datagrams(count: int, seed: int) -> dict[str, object]:
    from tests.reliability.receive import NODES, ReceivePath

    rx = ReceivePath()
    reasons: Counter[str] = Counter()
    stream = forge.stream(seed, rx.key, list(NODES))
    slowest, slowest_len = 0.0, 0
    over_1ms = over_10ms = 0
    fed = 0
    rss0 = rss_mb()
    rss_warm = rss0
    t0 = time.perf_counter()
    batch = 10_000
    while fed < count:
        items = [next(stream) for _ in range(min(batch, count - fed))]
        for data in items:
            reasons[rx.classify(data) or "accepted"] += 1
        ts: list[float] = []

        async def run(items: list[bytes] = items, ts: list[float] = ts) -> None:
            cb = rx.daemon._datagram
            clock = time.perf_counter
            for data in items:
                a = clock()
                cb(data, "eth0", "192.0.2.12")
                ts.append(clock() - a)

        rx.loop.run_until_complete(run())
        over_1ms += sum(t > 0.001 for t in ts)
        over_10ms += sum(t > 0.010 for t in ts)
        i = max(range(len(ts)), key=ts.__getitem__)
        if ts[i] > slowest:
            slowest, slowest_len = ts[i], len(items[i])
        fed += len(items)
        if fed == WARMUP or (fed < WARMUP and fed + batch > count):
            rss_warm = rss_mb()
    elapsed = time.perf_counter() - t0
    dropped = rx.dropped()
    rejected = {k: v for k, v in reasons.items() if k != "accepted"}
    counted = {k: dropped.get(k, 0) for k in rejected}
    rx.close()
    return {
        "mode": "datagrams",
        "inputs": fed,
        "accepted_by_wire": reasons["accepted"],
        "rejected": sum(rejected.values()),
        "rejected_by_reason": dict(sorted(rejected.items(), key=lambda kv: -kv[1])),
        "status_counters_match": counted == rejected,
        "engine_counters": {k: v for k, v in dropped.items() if k not in rejected},
        "slowest_input_ms": round(slowest * 1000, 3),
        "slowest_input_bytes": slowest_len,
        "inputs_over_1ms": over_1ms,
        "inputs_over_10ms": over_10ms,
        "inputs_per_s": round(fed / elapsed),
        "elapsed_s": round(elapsed, 1),
        "rss_start_mb": round(rss0, 1),
        "rss_after_warmup_mb": round(rss_warm, 1),
        "rss_end_mb": round(rss_mb(), 1),
    }


def fuzz_config(count: int, seed: int) -> dict[str, object]:
    from ha_agents.config.load import load_config

    names = ("ha.cf", "haresources", "authkeys")
    samples = {n: (REPO / "conf" / n).read_bytes() for n in names}
    rnd = random.Random(seed)
    codes: Counter[str] = Counter()
    refused = internal = 0
    slowest = 0.0
    rss0 = rss_warm = rss_mb()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="harel-cfg-") as tmp:
        d = Path(tmp)
        for i in range(count):
            files = dict(samples)
            name = rnd.choice(names)
            files[name] = (
                forge.mutate(files[name], rnd) if rnd.random() < 0.9 else rnd.randbytes(500)
            )
            for n, data in files.items():
                (d / n).write_bytes(data)
            os.chmod(d / "authkeys", 0o600)
            a = time.perf_counter()
            config, diags = load_config(str(d), "node1")
            slowest = max(slowest, time.perf_counter() - a)
            refused += config is None
            for diag in diags:
                codes[diag.code] += 1
                internal += diag.code == "HX499"
                lines = files.get(os.path.basename(diag.path), b"").count(b"\n") + 2
                if diag.line < 1 or diag.line > lines:
                    internal += 1
            if i == min(count, 2000) - 1:
                rss_warm = rss_mb()
    elapsed = time.perf_counter() - t0
    return {
        "mode": "config",
        "inputs": count,
        "refused_configs": refused,
        "internal_errors_or_bad_lines": internal,
        "top_diagnostic_codes": dict(codes.most_common(12)),
        "slowest_input_ms": round(slowest * 1000, 3),
        "inputs_per_s": round(count / elapsed),
        "elapsed_s": round(elapsed, 1),
        "rss_start_mb": round(rss0, 1),
        "rss_after_warmup_mb": round(rss_warm, 1),
        "rss_end_mb": round(rss_mb(), 1),
    }


def fuzz_control(count: int, seed: int) -> dict[str, object]:
    import socket

    from tests.reliability.localdaemon import LocalDaemon

    rnd = random.Random(seed)
    answers: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="harel-ctl-") as tmp:
        daemon = LocalDaemon(Path(tmp))
        daemon.start()
        assert daemon.proc is not None
        pid = daemon.proc.pid

        def daemon_rss() -> float:
            with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
            return 0.0

        rss0 = rss_warm = daemon_rss()
        slowest = 0.0
        t0 = time.perf_counter()
        try:
            for i in range(count):
                kind = rnd.randrange(4)
                if kind == 0:
                    payload = rnd.randbytes(rnd.randrange(300))
                elif kind == 1:
                    payload = forge.mutate(b'{"cmd": "status"}\n', rnd)
                elif kind == 2:
                    cmd = rnd.choice(["standby", "takeover", "rscstatus", "x", "", 5, None])
                    extra = rnd.choice([{}, {"which": rnd.choice(["all", "bogus", 7, []])}])
                    payload = json.dumps({"cmd": cmd, **extra}).encode() + b"\n"
                else:
                    payload = json.dumps(rnd.choice([[], 1, "s", None, {}])).encode() + b"\n"
                if b"standby" in payload or b"takeover" in payload:
                    payload = payload.replace(b'"all"', b'"bogus"')  # keep the node active
                a = time.perf_counter()
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(5)
                    s.connect(str(daemon.socket))
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                    data = b""
                    while chunk := s.recv(65536):
                        data += chunk
                slowest = max(slowest, time.perf_counter() - a)
                try:
                    reply = json.loads(data) if data else None
                except ValueError:
                    reply = "not json"
                answers[
                    "closed" if reply is None
                    else "ok" if isinstance(reply, dict) and reply.get("ok")
                    else "error" if isinstance(reply, dict)
                    else "garbage"
                ] += 1  # fmt: skip
                if i == min(count, 500) - 1:
                    rss_warm = daemon_rss()
            alive = daemon.alive() and daemon.status() is not None
            rss_end = daemon_rss()
        finally:
            daemon.stop()
    return {
        "mode": "control",
        "inputs": count,
        "answers": dict(answers),
        "daemon_alive_after": alive,
        "slowest_request_ms": round(slowest * 1000, 3),
        "elapsed_s": round(time.perf_counter() - t0, 1),
        "daemon_rss_start_mb": round(rss0, 1),
        "rss_after_warmup_mb": round(rss_warm, 1),
        "rss_end_mb": round(rss_end, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("mode", choices=["datagrams", "config", "control", "api"])
    p.add_argument("--count", type=int, default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-growth-mb", type=float, default=10.0)
    args = p.parse_args(argv)
    if args.mode == "datagrams":
        report = fuzz_datagrams(args.count or 1_000_000, args.seed)
        bad = not report["status_counters_match"]
    elif args.mode == "api":
        from bench.fuzzapi import fuzz_api

        report = fuzz_api(args.count or 200_000, args.seed, rss_mb)
        bad = False  # any exception propagates and fails the run
    elif args.mode == "config":
        report = fuzz_config(args.count or 20_000, args.seed)
        bad = bool(report["internal_errors_or_bad_lines"])
    else:
        report = fuzz_control(args.count or 5_000, args.seed)
        bad = not report["daemon_alive_after"]
    growth = float(report["rss_end_mb"]) - float(report["rss_after_warmup_mb"])  # type: ignore[arg-type]
    report["rss_growth_after_warmup_mb"] = round(growth, 1)
    print(json.dumps(report, indent=2))
    return 1 if bad or growth > args.max_growth_mb else 0


if __name__ == "__main__":
    raise SystemExit(main())
