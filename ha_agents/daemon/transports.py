"""EDGE: the serial heartbeat medium on a non-blocking tty, in Heartbeat's classic text
framing (serialframe.py), handing ``(data, link, source, None)`` to a callback like the
UDP links (daemon/udplink.py).  A write that would block is dropped (the next keepalive
follows).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
from collections.abc import Callable

from ha_agents.config.model import Medium
from ha_agents.daemon.serialframe import SerialDeframer, to_serial
from ha_agents.wire.errors import WireError

Receiver = Callable[[bytes, str, str, float | None], None]
BAUDS = {
    b: getattr(termios, f"B{b}")
    for b in (9600, 19200, 38400, 57600, 115200, 230400)
    if hasattr(termios, f"B{b}")
}


class TransportError(Exception):
    pass


class SerialLink:
    """A tty: raw mode at the configured baud rate, read by the loop, written without
    blocking."""

    def __init__(self, medium: Medium, receiver: Receiver) -> None:
        self.link = medium.link_name
        self.path = medium.dev
        self.receiver = receiver
        self.deframer = SerialDeframer()
        self.errors = 0
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise TransportError(f"serial {self.path}: {exc.strerror}") from None
        try:
            attrs = termios.tcgetattr(self.fd)
            speed = BAUDS.get(medium.baud or 19200, termios.B19200)
            attrs[0] = 0  # iflag
            attrs[1] = 0  # oflag
            attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL  # cflag
            attrs[3] = 0  # lflag
            attrs[4] = attrs[5] = speed
            attrs[6][termios.VMIN] = 1
            attrs[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
            # as Heartbeat on open: drop what the line buffered before we were here
            termios.tcflush(self.fd, termios.TCIOFLUSH)
        except termios.error as exc:
            os.close(self.fd)
            raise TransportError(f"serial {self.path}: not a tty ({exc})") from None
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            self.errors += 1
            return
        for frame in self.deframer.feed(data):
            self.receiver(frame, self.link, self.path, None)

    def send(self, data: bytes) -> None:
        try:
            data = to_serial(data)  # Heartbeat's classic text, not the netstring
        except WireError:
            self.errors += 1
            return
        try:
            written = os.write(self.fd, data)
            if written < len(data):
                self.errors += 1  # partial: the reader resyncs on the next frame
        except (BlockingIOError, OSError):
            self.errors += 1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self.fd)
        with contextlib.suppress(OSError):
            os.close(self.fd)
