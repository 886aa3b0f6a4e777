"""EDGE: the state dir files shared with Heartbeat: ``hb_generation`` and ``hb_uuid``.

Both are written atomically (temp file, fsync, rename, fsync of the dir).  A failure to
persist the bumped generation is fatal: starting with a generation that may be reused
after the next restart would make peers drop our messages as replays.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ha_agents.membership.generation import (
    UUID_LEN,
    BadGenerationFile,
    GenerationDecision,
    format_generation,
    next_generation,
    parse_generation,
)

GENERATION_FILE = "hb_generation"
UUID_FILE = "hb_uuid"


class StateError(Exception):
    """The state dir cannot be used; the daemon must not start."""


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def bump_generation(state_dir: Path, wall_time: int) -> GenerationDecision:
    path = state_dir / GENERATION_FILE
    try:
        previous: int | None = parse_generation(path.read_bytes())
    except FileNotFoundError:
        previous = None
    except (OSError, BadGenerationFile) as exc:
        raise StateError(f"cannot read {path}: {exc}") from None
    try:
        decision = next_generation(previous, wall_time)
    except BadGenerationFile as exc:
        raise StateError(f"{path}: {exc}") from None
    try:
        write_atomic(path, format_generation(decision.generation))
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None
    return decision


def load_uuid(state_dir: Path) -> tuple[bytes, bool]:
    """Our node uuid (16 raw bytes), created on first use.  Returns (uuid, created)."""
    path = state_dir / UUID_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) == UUID_LEN:
        return data, False
    if data:
        raise StateError(f"{path}: expected {UUID_LEN} bytes, found {len(data)}")
    new = _uuid4()
    try:
        write_atomic(path, new)
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None
    return new, True


def _uuid4() -> bytes:
    """A random (version 4) UUID, as uuid.uuid4().bytes (without importing uuid and the
    platform module it pulls in: the daemon's memory is what it imported)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return bytes(raw)
