"""EDGE: the UDP heartbeat media (bcast, mcast, ucast) as links read by the asyncio loop.

One UDP socket per (device, port), bound to ``0.0.0.0:port`` with SO_BINDTODEVICE, so
bcast + ucast on the same device share it (they are the same link for cl_status);
its send targets are the device's broadcast address, the mcast group, the ucast peers
(a ucast peer that is a local address is skipped).  A send that would block is dropped
(the next keepalive follows), as Heartbeat's write child does.

Every datagram reaches the receiver with its arrival time: the kernel's receive time stamp
(``SO_TIMESTAMPNS``) on the loop's monotonic clock.  That lets the daemon stop waking up
for each datagram when the cluster is quiet (:meth:`UdpLink.pause`) and read them at its
next timer (:meth:`UdpLink.drain`), each still counted at the moment it arrived.
Each read takes at most ``BATCH`` datagrams, so the loop's timers (the keepalive send,
the deadlines) run between batches even when a flood keeps the socket readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ha_agents.config.model import Medium, MediumKind
from ha_agents.daemon import peerfilter
from ha_agents.daemon.ifaddr import IfInfo
from ha_agents.daemon.transports import TransportError

#: (data, link, source address, arrival time on the loop's clock or None)
Receiver = Callable[[bytes, str, str, float | None], None]
MAX_DATAGRAM = 65536
#: Receive queue of a heartbeat socket: room for ~800 heartbeats, whatever the host's
#: net.core.rmem_default (root may exceed rmem_max: SO_RCVBUFFORCE).
RCVBUF = 256 * 1024
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35  # also SCM_TIMESTAMPNS
BATCH = 64
_CMSG_SPACE = socket.CMSG_SPACE(16)
_TIMESPEC = struct.Struct("@qq")


@dataclass(eq=False)
class UdpLink:
    link: str
    port: int
    receiver: Receiver
    sock: socket.socket
    targets: list[tuple[str, int]] = field(default_factory=list)
    errors: int = 0
    allowed: frozenset[str] | None = None  # the peer filter's sources (None: no filter)
    fixed: frozenset[str] = frozenset()  # configured ucast peers, always let through
    reading: bool = False
    loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.resume()

    def pause(self) -> None:
        """Stop waking up for datagrams (they wait in the queue for :meth:`drain`)."""
        if self.reading and self.loop is not None:
            self.loop.remove_reader(self.sock.fileno())
            self.reading = False

    def resume(self) -> None:
        if not self.reading and self.loop is not None:
            self.loop.add_reader(self.sock.fileno(), self.drain)
            self.reading = True

    def drain(self, limit: int = BATCH) -> int:
        """Hand up to ``limit`` queued datagrams to the receiver; how many there were."""
        recv, sock, n = self.sock.recvmsg, self.sock, 0
        offset = None
        while n < limit:
            try:
                data, anc, _flags, addr = recv(MAX_DATAGRAM, _CMSG_SPACE)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.errors += 1
                break
            n += 1
            arrival = None
            for level, kind, raw in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                    sec, nsec = _TIMESPEC.unpack_from(raw)
                    if offset is None:  # wall clock -> the loop's monotonic clock
                        offset = time.monotonic() - time.time()
                    arrival = sec + nsec * 1e-9 + offset
            self.receiver(data, self.link, str(addr[0]), arrival)
            if sock.fileno() < 0:  # the receiver closed this link (a reload)
                break
        return n

    def send(self, data: bytes) -> None:
        for target in self.targets:
            try:
                self.sock.sendto(data, target)
            except OSError:
                self.errors += 1

    def allow(self, sources: frozenset[str] | None) -> None:
        """Let only ``sources`` (and the ucast peers) through, or everyone (None)."""
        want = None if sources is None else sources | self.fixed
        if want == self.allowed:
            return
        try:
            if want is None:
                peerfilter.detach(self.sock)
            else:
                peerfilter.attach(self.sock, want)
        except (OSError, ValueError):
            self.errors += 1
            return
        self.allowed = want

    def kernel_drops(self) -> int | None:
        return peerfilter.kernel_drops(self.sock)

    def close(self) -> None:
        self.pause()
        with contextlib.suppress(OSError):
            self.sock.close()


def _set(sock: socket.socket, level: int, option: int, value: int | bytes) -> None:
    sock.setsockopt(level, option, value)


def _rcvbuf(sock: socket.socket) -> None:
    for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RCVBUF)
            return
        except OSError:
            continue


def udp_socket(dev: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        _set(sock, socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _set(sock, socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        _set(sock, socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode() + b"\0")
        _set(sock, socket.IPPROTO_IP, socket.IP_TOS, 0x10)  # IPTOS_LOWDELAY, as Heartbeat
        _set(sock, socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        _rcvbuf(sock)
        sock.setblocking(False)
        sock.bind(("0.0.0.0", port))
    except OSError as exc:
        sock.close()
        raise TransportError(f"cannot open UDP port {port} on {dev}: {exc.strerror}") from None
    return sock


def join_mcast(sock: socket.socket, medium: Medium, info: IfInfo) -> None:
    assert medium.group is not None
    group = socket.inet_aton(medium.group)
    mreqn = group + socket.inet_aton("0.0.0.0") + struct.pack("@i", info.index)
    try:
        _set(sock, socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        _set(sock, socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        _set(sock, socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, medium.ttl or 1)
        _set(sock, socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1 if medium.loop else 0)
    except OSError as exc:
        raise TransportError(
            f"cannot join multicast group {medium.group} on {medium.dev}: {exc.strerror}"
        ) from None


def _add_target(link: UdpLink, medium: Medium, info: IfInfo, local: frozenset[str]) -> None:
    if medium.kind is MediumKind.BCAST:
        if info.broadcast is None:
            raise TransportError(f"bcast {medium.dev}: no IPv4 broadcast address")
        link.targets.append((info.broadcast, medium.port))
    elif medium.kind is MediumKind.MCAST:
        join_mcast(link.sock, medium, info)
        assert medium.group is not None
        link.targets.append((medium.group, medium.port))
    elif medium.kind is MediumKind.UCAST:
        assert medium.peer is not None
        if medium.peer not in local:
            link.targets.append((medium.peer, medium.port))
            link.fixed |= {medium.peer}
    else:
        raise TransportError(f"{medium.kind.value}: medium not supported (IPv4 only)")


def open_udp_links(
    media: list[Medium],
    infos: dict[str, IfInfo],
    local: frozenset[str],
    receiver: Receiver,
) -> list[UdpLink]:
    """One link per (device, port), reading from the running loop."""
    links: dict[tuple[str, int], UdpLink] = {}
    try:
        for medium in media:
            info = infos.get(medium.dev)
            if info is None:
                raise TransportError(f"{medium.kind.value} {medium.dev}: no such interface")
            key = (medium.dev, medium.port)
            if key not in links:
                sock = udp_socket(medium.dev, medium.port)
                links[key] = UdpLink(medium.link_name, medium.port, receiver, sock)
            _add_target(links[key], medium, info, local)
        for link in links.values():
            link.start()
    except BaseException:
        for link in links.values():
            link.close()
        raise
    return list(links.values())
