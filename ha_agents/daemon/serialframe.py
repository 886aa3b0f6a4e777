"""Heartbeat 3.0.6's framing of messages on a serial line (pure).

On a tty Heartbeat sends every message in the classic text form, never as a netstring
(its serial plugin converts a netstring datagram before writing it):

    ">>>\\n" *(["(1)"] name "=" value "\\n") "<<<\\n"

with the same fields in the same order, the inner ``auth`` field last (it covers exactly
this text, so the classic form needs no trailer).  Its reader takes the line that starts
with ``>>>`` as the start, every following line as a field, and the line that starts
with ``<<<`` as the end; it ignores CR (IGNCR).  Observed by watching two Heartbeat 3.0.6
nodes over a socat pty pair (tests/membership/test_interop_serial.py).

:func:`to_serial` turns a signed netstring datagram into that text; :class:`SerialDeframer`
recovers the frames from the byte stream (noise and partial frames are skipped and
counted), each of which ``wire.codec.decode`` reads as a classic datagram.
"""

from __future__ import annotations

from ha_agents.wire.codec import decode, encode_classic

START = b">>>"
END = b"<<<"
MAX_FRAME = 65536


def to_serial(datagram: bytes) -> bytes:
    """The classic text Heartbeat writes on a tty for this (signed) datagram.

    The inner ``auth`` digest is over the classic text of the other fields, so it stays
    valid; the netstring trailer has no classic form and is left out, as Heartbeat does.
    Raises ``WireError`` for a datagram that has no classic form (a newline in a value).
    """
    return encode_classic(decode(datagram).message.fields)


class SerialDeframer:
    """Line-oriented: ``feed(bytes)`` returns the complete frames found so far."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.frame: list[bytes] | None = None  # lines of the frame being read
        self.size = 0
        self.skipped = 0  # bytes outside any frame, or of frames dropped as too long

    def feed(self, data: bytes) -> list[bytes]:
        self.buf += data.replace(b"\r", b"")
        frames: list[bytes] = []
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                if len(self.buf) > MAX_FRAME:  # a line that never ends: drop it
                    self.skipped += len(self.buf)
                    self.buf.clear()
                    self.frame = None
                return frames
            line = bytes(self.buf[: nl + 1])
            del self.buf[: nl + 1]
            frame = self._line(line)
            if frame is not None:
                frames.append(frame)

    def _line(self, line: bytes) -> bytes | None:
        if line.startswith(START):  # a new start also abandons a partial frame
            if self.frame is not None:
                self.skipped += self.size
            self.frame, self.size = [b">>>\n"], len(line)
            return None
        if self.frame is None:
            self.skipped += len(line)
            return None
        self.size += len(line)
        if line.startswith(END):
            frame = b"".join(self.frame) + b"<<<\n"
            self.frame = None
            return frame
        if self.size > MAX_FRAME:
            self.skipped += self.size
            self.frame = None
            return None
        self.frame.append(line)
        return None
