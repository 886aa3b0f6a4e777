"""The forged-packet flood: payloads, and the CPU a node's processes used."""

from __future__ import annotations

import os
import random
from collections.abc import Iterable

from tests.lab.cluster import AUTH_KEY

from .forge import captures, key, mutate, signed, status_fields

CLK_TCK = os.sysconf("SC_CLK_TCK")


def flood_payloads(n: int = 256, seed: int = 9) -> list[bytes]:
    """What an attacker without the key sends: node1's status and shutdone signed with a
    wrong sha1 key (the costliest to refuse: a full HMAC each), crc downgrades, unknown
    indexes, mutated captures and noise."""
    rnd = random.Random(seed)
    wrong = key(1, "sha1", "attacker-guess")
    seeds = captures()
    out: list[bytes] = []
    for i in range(n):
        kind = i % 5
        fields = status_fields("node1", 0x7FFFFFFF, 1000 + i, st=rnd.choice(["active", "dead"]))
        if kind <= 1:
            out.append(signed(fields, wrong))
        elif kind == 2:
            out.append(signed(fields, key(2, "crc")))
        elif kind == 3:
            out.append(mutate(rnd.choice(seeds), rnd))
        else:
            out.append(signed(fields, key(7, "sha1", AUTH_KEY)))
    return out


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of ``pids`` (those still alive), seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(parts[11]) + int(parts[12])
    return total / CLK_TCK
