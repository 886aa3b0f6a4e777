"""Heartbeat's IPC framing on the client-API socket (docs/api.md, "Framing").  Pure.

Every message is an 8-byte header then the body: ``int32 length`` and ``uint32 magic``
(0xabcd), both little-endian on the machines Heartbeat runs on (x86-64, observed with
strace), then ``length`` bytes.  The body is an ha_msg in its classic text form
``>>>\\n name=value\\n ... <<<\\n`` followed by one NUL byte, which ``length`` counts.

``FrameReader`` turns a byte stream into bodies under strict limits: a bad magic or a
length above :data:`MAX_BODY` is a :class:`FrameError` (Heartbeat aborts the whole
daemon on a bad magic; we drop that one client).
"""

from __future__ import annotations

import struct

MAGIC = 0xABCD
HEADER = struct.Struct("<iI")
#: Largest body accepted or sent.  Heartbeat's own limit is 256 KiB; no API message
#: comes near 64 KiB (the wire codec's datagram limit), so that is ours.
MAX_BODY = 65536


class FrameError(Exception):
    """The stream cannot be a Heartbeat IPC stream; ``reason`` is a stable word."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def encode_frame(body: bytes) -> bytes:
    if len(body) > MAX_BODY:
        raise FrameError("oversize", f"{len(body)} bytes > {MAX_BODY}")
    return HEADER.pack(len(body), MAGIC) + body


class FrameReader:
    """Reassembles frames from the chunks a stream socket delivers."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return the complete bodies, in order.  Raises FrameError."""
        self._buf += data
        out: list[bytes] = []
        while len(self._buf) >= HEADER.size:
            length, magic = HEADER.unpack_from(self._buf)
            if magic != MAGIC:
                raise FrameError("bad_magic", f"header magic {magic:#x}, not {MAGIC:#x}")
            if not 0 <= length <= MAX_BODY:
                raise FrameError("oversize", f"frame length {length} (limit {MAX_BODY})")
            end = HEADER.size + length
            if len(self._buf) < end:
                break
            out.append(bytes(self._buf[HEADER.size : end]))
            del self._buf[:end]
        if len(self._buf) > HEADER.size + MAX_BODY:
            raise FrameError("oversize", f"{len(self._buf)} bytes buffered")
        return out
