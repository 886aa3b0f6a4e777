"""Framing of signed datagrams on a serial byte stream (pure).

ha_agents writes each datagram unchanged; the netstring form is self-delimiting:
``###\\n`` + field netstrings + ``%%%\\n`` + one trailer netstring.  The reader scans for
``###\\n``, follows the netstring lengths, and yields each complete datagram; bytes that
do not parse (line noise, a partial frame after a reconnect) are skipped up to the next
``###\\n``.  Whether this matches Heartbeat's own serial framing is not verified (no
serial hardware in the lab): serial interop with a real Heartbeat node is untested.
"""

from __future__ import annotations

START = b"###\n"
END = b"%%%\n"
MAX_FRAME = 65536


class SerialDeframer:
    def __init__(self) -> None:
        self.buf = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[bytes]:
        self.buf += data
        frames: list[bytes] = []
        while True:
            start = self.buf.find(START)
            if start < 0:
                keep = len(START) - 1
                self.skipped += max(0, len(self.buf) - keep)
                del self.buf[: max(0, len(self.buf) - keep)]
                return frames
            if start:
                self.skipped += start
                del self.buf[:start]
            end = self._frame_end()
            if end is None:
                if len(self.buf) > MAX_FRAME:
                    self._resync()
                    continue
                return frames
            if end < 0:
                self._resync()
                continue
            frames.append(bytes(self.buf[:end]))
            del self.buf[:end]

    def _resync(self) -> None:
        self.skipped += 1
        del self.buf[:1]

    def _netstring_end(self, pos: int) -> int | None:
        """End of the netstring at ``pos``; None if incomplete, -1 if malformed."""
        colon = self.buf.find(b":", pos, pos + 7)
        if colon < 0:
            return None if len(self.buf) - pos < 7 else -1
        digits = bytes(self.buf[pos:colon])
        if not digits.isdigit():
            return -1
        end = colon + 1 + int(digits)
        if end >= len(self.buf):
            return None
        return end + 1 if self.buf[end : end + 1] == b"," else -1

    def _frame_end(self) -> int | None:
        pos = len(START)
        while True:
            if len(self.buf) < pos + len(END):
                return None
            if self.buf[pos : pos + len(END)] == END:
                return self._netstring_end(pos + len(END))
            nxt = self._netstring_end(pos)
            if nxt is None or nxt < 0:
                return nxt
            pos = nxt
