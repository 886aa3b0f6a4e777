"""httpd: which web server, which config, which URL proves it answers (pure).

Heartbeat class: ``httpd[::SERVER[::CONFIG[::URL]]]`` (SERVER: lighttpd, nginx, apache2;
default: the first of them installed).  OCF: ``OCF_RESKEY_server``, ``config``, ``url``.
The URL defaults to what the config listens on (lighttpd ``server.bind``/``server.port``,
nginx's first ``listen``, apache's first ``Listen``), else ``http://127.0.0.1/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    binary: str
    config: str

    def foreground_argv(self, binary: str, config: str) -> list[str]:
        if self.name == "lighttpd":
            return [binary, "-D", "-f", config]
        if self.name == "nginx":
            return [binary, "-c", config, "-g", "daemon off;"]
        return [binary, "-f", config, "-DFOREGROUND"]


SERVERS = {
    "lighttpd": Server("lighttpd", "lighttpd", "/etc/lighttpd/lighttpd.conf"),
    "nginx": Server("nginx", "nginx", "/etc/nginx/nginx.conf"),
    "apache2": Server("apache2", "apache2", "/etc/apache2/apache2.conf"),
}
ALIASES = {"apache": "apache2", "httpd": "apache2"}


@dataclass(frozen=True, slots=True)
class HttpdParams:
    server: Server
    binary: str  # absolute path
    config: str
    url: str


def _host_port_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "*", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


def url_from_config(server: str, text: str) -> str:
    if server == "lighttpd":
        port_m = re.search(r'^\s*server\.port\s*=\s*"?(\d+)"?', text, re.M)
        bind_m = re.search(r'^\s*server\.bind\s*=\s*"([^"]*)"', text, re.M)
        port = int(port_m.group(1)) if port_m else 80
        return _host_port_url(bind_m.group(1) if bind_m else "", port)
    pattern = r"^\s*listen\s+([^\s;]+)" if server == "nginx" else r"^\s*Listen\s+(\S+)"
    m = re.search(pattern, text, re.M)
    if not m:
        return _host_port_url("", 80)
    word = m.group(1)
    host, _, port_text = word.rpartition(":")
    if port_text.isdigit():
        return _host_port_url(host, int(port_text))
    return _host_port_url(word, 80)


def resolve_params(
    server: str | None,
    config: str | None,
    url: str | None,
    which: Callable[[str], str | None],
    read_text: Callable[[str], str | None],
) -> HttpdParams | str:
    """Pick the server (named, or the first installed) and fill in config and URL."""
    if server:
        key = ALIASES.get(server, server)
        if key not in SERVERS:
            return f"unknown web server {server!r} (lighttpd, nginx or apache2)"
        candidates = [SERVERS[key]]
    else:
        candidates = list(SERVERS.values())
    for s in candidates:
        binary = which(s.binary)
        if binary:
            break
    else:
        names = ", ".join(s.name for s in candidates)
        return f"no web server installed (looked for {names})"
    conf = config or s.config
    text = read_text(conf)
    if text is None:
        return f"cannot read {s.name} config {conf}"
    if url and not re.match(r"https?://[^/\s]+", url):
        return f"bad URL {url!r}"
    return HttpdParams(s, binary, conf, url or url_from_config(s.name, text))
