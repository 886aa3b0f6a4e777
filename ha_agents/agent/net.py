"""Endpoint checks for monitor actions: TCP connect, HTTP status, who listens (edge)."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import urllib.parse


def check_tcp(host: str, port: int, timeout: float = 2.0) -> bool:
    """True if a TCP connection to ``host:port`` succeeds within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def http_status(url: str, timeout: float = 3.0, method: str = "GET") -> int | None:
    """The HTTP status code of ``url`` (http or https), or None when unreachable."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request(method, path, headers={"User-Agent": "ha_agents-agent-monitor"})
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def check_http(url: str, expect_status: int = 200, timeout: float = 3.0) -> bool:
    """True if GET ``url`` answers ``expect_status`` within ``timeout`` seconds."""
    return http_status(url, timeout) == expect_status


TCP_LISTEN = "0A"  # state column of /proc/net/tcp


def listening_ports(pid: int) -> set[int]:
    """TCP ports on which process ``pid`` holds a listening socket (in its own network
    namespace; empty when it holds none or cannot be inspected)."""
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    ports: set[int] = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{table}") as fh:
            for line in fh.readlines()[1:]:
                cols = line.split()
                if len(cols) > 9 and cols[3] == TCP_LISTEN and cols[9] in inodes:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def url_port(url: str) -> int:
    """The TCP port of an http(s) URL (its default when not written)."""
    parts = urllib.parse.urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)
