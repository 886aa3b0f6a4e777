"""EDGE: the local control socket (unix stream, mode 0600 in the run dir).

Protocol: the client sends one JSON object on one line (``{"cmd": "status"}``), the
daemon answers one JSON object on one line and closes.  Requests are bounded in size
and time.  See docs/daemon.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

SOCKET_NAME = "ha-agents.sock"
MAX_REQUEST = 65536
TIMEOUT_S = 5.0

JsonDict = dict[str, object]
Handler = Callable[[JsonDict], JsonDict]


def socket_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / SOCKET_NAME


def answers(path: Path) -> bool:
    """Something listens on the unix socket ``path`` (another daemon is running)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        try:
            s.connect(str(path))
        except OSError:
            return False
        return True


class ControlError(Exception):
    pass


def check_free(path: Path) -> None:
    """ControlError if another daemon answers on ``path`` (checked before anything else
    starts: a second ``run`` must not touch the state dir or the media)."""
    if (path.exists() or path.is_symlink()) and answers(path):
        raise ControlError(f"another daemon is running (control socket {path} answers)")


async def serve(path: Path, handler: Handler) -> asyncio.AbstractServer:
    """Listen on ``path``; refuses if another daemon answers there."""
    check_free(path)
    if path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), TIMEOUT_S)
            try:
                request = json.loads(line) if line.strip() else None
            except ValueError:
                request = None
            if not isinstance(request, dict):
                reply: JsonDict = {"ok": False, "error": "bad request: expected a JSON object"}
            else:
                reply = handler(request)
            writer.write(json.dumps(reply).encode() + b"\n")
            await asyncio.wait_for(writer.drain(), TIMEOUT_S)
        except (TimeoutError, OSError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(client, str(path), limit=MAX_REQUEST)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    return server


def request(path: Path, req: JsonDict, timeout: float = TIMEOUT_S) -> JsonDict | None:
    """Client side (blocking, for the CLI).  None when no daemon answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(str(path))
            s.sendall(json.dumps(req).encode() + b"\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            return None
    try:
        reply = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None
