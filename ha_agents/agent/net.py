"""Endpoint checks for monitor actions: TCP connect, HTTP status (edge)."""

from __future__ import annotations

import http.client
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
