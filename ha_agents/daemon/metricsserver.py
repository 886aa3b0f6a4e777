"""EDGE: the Prometheus endpoint, served from the daemon's own event loop.

A minimal HTTP/1.0 responder (``GET /metrics`` -> the exposition text, ``GET /`` -> a
pointer, anything else 404/405).  Running in the loop means the metrics are rendered
between two events, never while the daemon is half-way through one (no threads, no
locks).  Requests are bounded in size and time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from ha_agents.daemon.opsoptions import AddressError, parse_address

__all__ = ["AddressError", "parse_address", "serve_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus text format 0.0.4
MAX_HEADER = 8192
TIMEOUT_S = 5.0
DEFAULT_PORT = 9694


def _response(status: str, body: bytes, ctype: str = "text/plain; charset=utf-8") -> bytes:
    head = (
        f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


async def serve_metrics(host: str, port: int, render: Callable[[], bytes]) -> asyncio.Server:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S)
            words = head.split(b"\r\n", 1)[0].split()
            method = words[0] if words else b""
            path = words[1].split(b"?", 1)[0] if len(words) > 1 else b""
            if method not in (b"GET", b"HEAD"):
                reply = _response("405 Method Not Allowed", b"GET only\n")
            elif path == b"/metrics":
                body = render()
                reply = _response("200 OK", b"" if method == b"HEAD" else body, CONTENT_TYPE)
            elif path == b"/":
                reply = _response("200 OK", b"ha_agents: metrics at /metrics\n")
            else:
                reply = _response("404 Not Found", b"not found\n")
            writer.write(reply)
            await asyncio.wait_for(writer.drain(), TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(client, host, port, limit=MAX_HEADER, reuse_address=True)
