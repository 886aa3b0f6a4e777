"""Lab names and the on-disk registry that lets `cleanup` find stale labs safely.

Every lab namespace name starts with ``FAMILY`` ("hal").  Before a lab creates its
first namespace it writes ``REGISTRY_DIR/<tag>.json`` with its owner's PID and start
time; `cleanup` removes only namespaces whose lab owner is gone (or has no record),
so it never tears down a lab another test is running right now.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from tests.lab import procs

FAMILY = "hal"
REGISTRY_DIR = Path("/run/ha_agents-lab")
_PREFIX_RE = re.compile(r"^[a-z0-9]{0,6}$")
NETNS_DIR = Path("/run/netns")


class LabError(Exception):
    """A lab operation failed (bad argument, missing tool, failed command)."""


def make_tag(prefix: str | None) -> str:
    """``hal`` + the caller's short prefix + 4 random hex digits, e.g. ``halt3f9a``."""
    p = prefix or ""
    if not _PREFIX_RE.match(p):
        raise LabError(f"lab prefix {p!r} must be 0-6 characters of [a-z0-9]")
    return f"{FAMILY}{p}{secrets.token_hex(2)}"


@dataclass(frozen=True, slots=True)
class Record:
    tag: str
    pid: int
    start: int | None
    tmpdirs: tuple[str, ...]

    def owner_alive(self) -> bool:
        return procs.alive(self.pid) and procs.start_time(self.pid) == self.start


def write_record(tag: str, tmpdirs: list[str]) -> None:
    REGISTRY_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {
        "tag": tag,
        "pid": os.getpid(),
        "start": procs.start_time(os.getpid()),
        "tmpdirs": tmpdirs,
    }
    tmp = REGISTRY_DIR / f".{tag}.json.tmp"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(REGISTRY_DIR / f"{tag}.json")


def read_record(tag: str) -> Record | None:
    try:
        data = json.loads((REGISTRY_DIR / f"{tag}.json").read_text(encoding="utf-8"))
        start = data.get("start")
        return Record(
            tag=str(data["tag"]),
            pid=int(data["pid"]),
            start=int(start) if start is not None else None,
            tmpdirs=tuple(str(d) for d in data.get("tmpdirs", [])),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_record(tag: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (REGISTRY_DIR / f"{tag}.json").unlink()


def lab_namespaces(tag_prefix: str = FAMILY) -> dict[str, list[str]]:
    """Existing namespaces of the lab family, grouped by lab tag (``<tag>-<name>``)."""
    if not tag_prefix.startswith(FAMILY):
        raise LabError(f"prefix {tag_prefix!r} is outside the lab family {FAMILY!r}")
    groups: dict[str, list[str]] = {}
    try:
        names = sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return groups
    for name in names:
        tag, sep, _ = name.partition("-")
        if sep and tag.startswith(tag_prefix):
            groups.setdefault(tag, []).append(name)
    return groups


def recorded_tags() -> list[str]:
    try:
        return sorted(p.stem for p in REGISTRY_DIR.glob(f"{FAMILY}*.json"))
    except FileNotFoundError:
        return []
