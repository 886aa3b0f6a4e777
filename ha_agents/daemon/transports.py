"""EDGE: the heartbeat media.  UDP (bcast, mcast, ucast) on asyncio datagram endpoints,
serial on a non-blocking tty (in Heartbeat's classic text framing, serialframe.py); every
one hands ``(data, link, source)`` to a callback.

One UDP socket per (device, port), bound to ``0.0.0.0:port`` with SO_BINDTODEVICE, so
bcast + ucast on the same device share it (they are the same link for cl_status);
its send targets are the device's broadcast address, the mcast group, the ucast peers
(a ucast peer that is a local address is skipped).  Sends never block: asyncio buffers,
and a serial write that would block is dropped (the next keepalive follows).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import termios
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from ha_agents.config.model import Medium, MediumKind
from ha_agents.daemon.ifaddr import IfInfo
from ha_agents.daemon.serialframe import SerialDeframer, to_serial
from ha_agents.wire.errors import WireError

Receiver = Callable[[bytes, str, str], None]
MAX_DATAGRAM = 65536
BAUDS = {
    b: getattr(termios, f"B{b}")
    for b in (9600, 19200, 38400, 57600, 115200, 230400)
    if hasattr(termios, f"B{b}")
}


class TransportError(Exception):
    pass


@dataclass
class UdpLink(asyncio.DatagramProtocol):
    link: str
    port: int
    receiver: Receiver
    targets: list[tuple[str, int]] = field(default_factory=list)
    transport: asyncio.DatagramTransport | None = None
    errors: int = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.receiver(data, self.link, str(addr[0]))

    def error_received(self, exc: Exception) -> None:
        self.errors += 1

    def send(self, data: bytes) -> None:
        if self.transport is None:
            return
        for target in self.targets:
            try:
                self.transport.sendto(data, target)
            except OSError:
                self.errors += 1

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _udp_socket(dev: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode() + b"\0")
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x10)  # IPTOS_LOWDELAY, as Heartbeat
        sock.setblocking(False)
        sock.bind(("0.0.0.0", port))
    except OSError as exc:
        sock.close()
        raise TransportError(f"cannot open UDP port {port} on {dev}: {exc.strerror}") from None
    return sock


def _join_mcast(sock: socket.socket, medium: Medium, info: IfInfo) -> None:
    assert medium.group is not None
    group = socket.inet_aton(medium.group)
    mreqn = group + socket.inet_aton("0.0.0.0") + struct.pack("@i", info.index)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, medium.ttl or 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1 if medium.loop else 0)
    except OSError as exc:
        raise TransportError(
            f"cannot join multicast group {medium.group} on {medium.dev}: {exc.strerror}"
        ) from None


async def open_udp_links(
    media: list[Medium],
    infos: dict[str, IfInfo],
    local: frozenset[str],
    receiver: Receiver,
) -> list[UdpLink]:
    loop = asyncio.get_running_loop()
    links: dict[tuple[str, int], UdpLink] = {}
    socks: dict[tuple[str, int], socket.socket] = {}
    try:
        for medium in media:
            info = infos.get(medium.dev)
            if info is None:
                raise TransportError(f"{medium.kind.value} {medium.dev}: no such interface")
            key = (medium.dev, medium.port)
            if key not in links:
                socks[key] = _udp_socket(medium.dev, medium.port)
                links[key] = UdpLink(medium.link_name, medium.port, receiver)
            link = links[key]
            if medium.kind is MediumKind.BCAST:
                if info.broadcast is None:
                    raise TransportError(f"bcast {medium.dev}: no IPv4 broadcast address")
                link.targets.append((info.broadcast, medium.port))
            elif medium.kind is MediumKind.MCAST:
                _join_mcast(socks[key], medium, info)
                assert medium.group is not None
                link.targets.append((medium.group, medium.port))
            elif medium.kind is MediumKind.UCAST:
                assert medium.peer is not None
                if medium.peer not in local:
                    link.targets.append((medium.peer, medium.port))
            else:
                raise TransportError(f"{medium.kind.value}: medium not supported (IPv4 only)")
        for key, link in links.items():
            await loop.create_datagram_endpoint(lambda lk=link: lk, sock=socks[key])  # type: ignore[misc]
    except BaseException:
        for sock in socks.values():
            sock.close()
        raise
    return list(links.values())


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
            self.receiver(frame, self.link, self.path)

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
