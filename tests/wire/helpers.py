"""Test vectors (tests/wire/vectors, plus ../shared/spec/vectors when present) and keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location

HERE = Path(__file__).resolve().parent
LOCAL = HERE / "vectors"
SHARED = HERE.parents[2] / "shared" / "spec" / "vectors"  # CI has shared/ beside the clone
VECTOR_DIRS = [LOCAL] + ([SHARED] if SHARED.is_dir() else [])


@dataclass(frozen=True)
class Vector:
    name: str
    method: AuthMethod
    key_index: int
    key: bytes
    data: bytes
    valid: bool

    @property
    def run(self) -> str:
        """``t0`` / ``A_md5_on`` ... (the capture the datagram came from)."""
        parts = self.name.split("/")
        return parts[2] if parts[0].endswith("tamper") else parts[0]

    @property
    def tamper(self) -> str | None:
        parts = self.name.split("/")
        return parts[1] if parts[0].endswith("tamper") else None

    def auth_key(self) -> AuthKey:
        return AuthKey(self.key_index, self.method, self.key, Location("test", 1))

    def auth_keys(self) -> AuthKeys:
        return AuthKeys(self.key_index, {self.key_index: self.auth_key()})


def load_vectors() -> list[Vector]:
    seen: set[tuple[str, str]] = set()
    out: list[Vector] = []
    for d in VECTOR_DIRS:
        for path in sorted(d.glob("*.jsonl")):
            for line in path.read_text().splitlines():
                if not line.strip():
                    continue
                v = json.loads(line)
                ident = (v["name"], v["datagram_hex"])
                if ident in seen:
                    continue
                seen.add(ident)
                out.append(
                    Vector(
                        v["name"],
                        AuthMethod(v["auth_method"]),
                        int(v["key_index"]),
                        v.get("key", "").encode("latin-1"),
                        bytes.fromhex(v["datagram_hex"]),
                        bool(v["valid"]),
                    )
                )
    return out


VECTORS = load_vectors()
VALID = [v for v in VECTORS if v.valid]
INVALID = [v for v in VECTORS if not v.valid]


def pcap_files() -> list[Path]:
    seen: dict[str, Path] = {}
    for d in VECTOR_DIRS:
        for p in sorted(d.glob("*.pcap")):
            seen.setdefault(p.name, p)
    return [seen[k] for k in sorted(seen)]


def keys(*entries: tuple[int, str, bytes], active: int) -> AuthKeys:
    """``keys((1, "md5", b"k"), (2, "crc", b""), active=1)``."""
    loc = Location("test", 1)
    return AuthKeys(active, {i: AuthKey(i, AuthMethod(m), k, loc) for i, m, k in entries})


REPO_ROOT = HERE.parents[1]
