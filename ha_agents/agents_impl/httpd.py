"""httpd on the agent SDK: start, stop and check a web server (lighttpd, nginx, apache2).

A declarative front for the resources package's web-server logic: server/config/URL
resolution (:mod:`ha_agents.resources.httpd`) and the process handling of
:class:`ha_agents.resources.httpd_agent.Httpd` (same pid file names, so switching the
entry script between the two never loses a running server).  The SDK adds the LSB
convention, generated meta-data, typed parameters, logging and the start/stop checks.

heartbeat-class: ``httpd[::SERVER[::CONFIG[::URL]]]``; OCF: ``OCF_RESKEY_server``,
``config``, ``url``.  Running means: the recorded pid is alive and is the server binary,
AND the URL gives an HTTP answer.
"""

from __future__ import annotations

import os
import shutil

from ha_agents.agent import (
    Agent,
    GenericError,
    NotConfigured,
    NotInstalled,
    Running,
    Stopped,
    String,
)
from ha_agents.resources import httpd
from ha_agents.resources.httpd_agent import Httpd as _Process
from ha_agents.resources.httpd_agent import http_answers


class Httpd(Agent):
    """Starts, stops and checks a web server: the one named, or the first installed of
    lighttpd, nginx and apache2, in its foreground mode, detached in its own session."""

    name = "httpd"
    version = "1.0"
    shortdesc = "Web server (ha_agents SDK)"
    positional = ("server", "config", "url")
    start_timeout = 20
    stop_timeout = 20

    server = String(default="", description="lighttpd, nginx or apache2; default: first installed.")
    config = String(default="", description="Server config file; default: the server's own.")
    url = String(
        default="", description="URL that must answer; default: what the config listens on."
    )

    def process(self) -> _Process:
        params = httpd.resolve_params(
            self.server or None,
            self.config or None,
            self.url or None,
            which=shutil.which,
            read_text=_read_text,
        )
        if isinstance(params, str):
            if "installed" in params:
                raise NotInstalled(params)
            raise NotConfigured(params)
        state = os.environ.get("HA_RSCTMP") or os.environ.get("HA_AGENTS_STATE_DIR")
        return _Process(params, state or "/run/ha_agents")

    def validate(self) -> None:
        self.process()

    def start(self) -> None:
        ok, message = self.process().start()
        if not ok:
            raise GenericError(message)
        self.log.info("%s", message)

    def stop(self) -> None:
        ok, message = self.process().stop()
        if not ok:
            raise GenericError(message)
        self.log.info("%s", message)

    def monitor(self, depth: int) -> Running | Stopped:
        proc = self.process()
        pid = proc.pid()
        if pid is None:
            return Stopped(f"{proc.p.server.name} is stopped")
        if not http_answers(proc.p.url):
            raise GenericError(
                f"{proc.p.server.name} pid {pid} gives no HTTP answer at {proc.p.url}"
            )
        return Running(f"pid {pid}, {proc.p.url}")


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(1 << 20)
    except OSError:
        return None
