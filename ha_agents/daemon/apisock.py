"""EDGE: Heartbeat's client-API registration socket (``<run-dir>/register``, i.e.
``/run/heartbeat/register``: the path compiled into libhbclient, mode 0777 as
Heartbeat makes it).

One unix stream connection per client; bytes in and out, nothing else: the protocol
is ``ha_agents.api.server.ApiServer``.  Never blocked by a client: reads are handled
as they come, writes are queued by the transport and a client whose queue passes
``MAX_QUEUED`` (it does not read) is disconnected (``sendfail``).  The peer's pid,
uid and gid come from SO_PEERCRED.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import Callable
from pathlib import Path

from ha_agents.api import events as ev
from ha_agents.daemon.control import answers

SOCKET_NAME = "register"
MAX_QUEUED = 1 << 20  # bytes waiting for one client
BACKLOG = 512  # connections waiting to be accepted
_CRED = struct.Struct("3i")

Sink = Callable[[ev.ApiEvent], None]


class ApiSocketError(Exception):
    pass


def socket_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / SOCKET_NAME


class _Conn(asyncio.Protocol):
    def __init__(self, owner: ApiSocket) -> None:
        self.owner = owner
        self.cid = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        pid, uid, gid = -1, -1, -1
        if sock is not None:
            with contextlib.suppress(OSError):
                pid, uid, gid = _CRED.unpack(
                    sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size)
                )
        self.cid = self.owner.register(self)
        self.owner.sink(ev.Connected(self.cid, uid, gid, pid, self.owner.now()))

    def data_received(self, data: bytes) -> None:
        if self.cid in self.owner.conns:
            self.owner.sink(ev.Received(self.cid, data, self.owner.now()))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.owner.conns.pop(self.cid, None) is not None:
            self.owner.sink(ev.Disconnected(self.cid, "EOF", self.owner.now()))


class ApiSocket:
    def __init__(self, path: Path, sink: Sink) -> None:
        self.path = path
        self.sink = sink
        self.conns: dict[int, _Conn] = {}
        self.next_cid = 1
        self.server: asyncio.AbstractServer | None = None
        self.sendfail = 0

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def register(self, conn: _Conn) -> int:
        cid, self.next_cid = self.next_cid, self.next_cid + 1
        self.conns[cid] = conn
        return cid

    async def start(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            if answers(self.path):
                raise ApiSocketError(f"another daemon answers on {self.path}")
            self.path.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        self.server = await loop.create_unix_server(
            lambda: _Conn(self), str(self.path), backlog=BACKLOG
        )
        os.chmod(self.path, 0o777)

    def send(self, cid: int, data: bytes) -> None:
        conn = self.conns.get(cid)
        if conn is None or conn.transport is None or conn.transport.is_closing():
            return
        if conn.transport.get_write_buffer_size() + len(data) > MAX_QUEUED:
            self.sendfail += 1
            self.close_client(cid, flush=False)
            self.sink(ev.Disconnected(cid, "sendfail", self.now()))
            return
        conn.transport.write(data)

    def close_client(self, cid: int, flush: bool = True) -> None:
        """Disconnect: after what is queued (a refusal's reply) unless ``flush`` is off."""
        conn = self.conns.pop(cid, None)
        if conn is not None and conn.transport is not None:
            if flush:
                conn.transport.close()
            else:
                conn.transport.abort()

    def close(self) -> None:
        for cid in list(self.conns):
            self.close_client(cid, flush=False)
        if self.server is not None:
            self.server.close()
        with contextlib.suppress(OSError):
            self.path.unlink()
