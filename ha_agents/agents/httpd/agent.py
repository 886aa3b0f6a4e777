"""httpd on the agent SDK: start, stop and check a web server (lighttpd, nginx, apache2).

The one implementation behind ``resource.d/httpd``.  Which server, config and URL: the
pure rules of :mod:`ha_agents.agents.httpd.servers`; the process handling: the SDK's
helpers (pid file, spawn, terminate, HTTP check, listening ports).  The server runs in
the foreground mode of its binary, detached in its own session, its pid in
``STATE_DIR/httpd-<server>-<hash of config>.pid`` (``$HA_RSCTMP``, else
``$HA_AGENTS_STATE_DIR``, else ``/run/ha_agents``).

heartbeat-class: ``httpd[::SERVER[::CONFIG[::URL]]]``; OCF: ``OCF_RESKEY_server``,
``config``, ``url``.  Running means: the recorded pid is alive and is the server binary,
AND the URL gives an HTTP answer (any status code).

start owns what it reports: when something else already answers at the URL (Debian
starts lighttpd.service at install) it fails instead of counting that server as ours,
and success needs our process itself listening on the URL's port.  A start that fails
after spawning stops what it spawned, so no server is left that nobody will stop.
"""

from __future__ import annotations

import hashlib
import os
import shutil

from ha_agents.agent import (
    Agent,
    AgentError,
    GenericError,
    NotConfigured,
    NotInstalled,
    PidFile,
    Running,
    Stopped,
    String,
    http_status,
    listening_ports,
    pid_alive,
    spawn_daemon,
    terminate,
    url_port,
    wait_until,
)
from ha_agents.agents.httpd import servers

START_WAIT = 15.0
STOP_WAIT = 10.0
DEFAULT_STATE_DIR = "/run/ha_agents"


class Httpd(Agent):
    """Starts, stops and checks a web server: the one named, or the first installed of
    lighttpd, nginx and apache2, in its foreground mode, detached in its own session.
    Running means the server process is alive AND the URL answers HTTP.
    Also a Heartbeat resource.d script: httpd::SERVER::CONFIG::URL.
    """

    name = "httpd"
    version = "1.0"
    shortdesc = "Web server (ha_agents)"
    positional = ("server", "config", "url")
    start_timeout = 20
    stop_timeout = 20

    server = String(default="", description="lighttpd, nginx or apache2; default: first installed.")
    config = String(
        default="", unique=True, description="Server config file; default: the server's own."
    )
    url = String(
        default="", description="URL that must answer; default: what the config listens on."
    )

    def params(self) -> servers.HttpdParams:
        found = servers.resolve_params(
            self.server or None,
            self.config or None,
            self.url or None,
            which=shutil.which,
            read_text=_read_text,
        )
        if isinstance(found, str):
            raise (NotInstalled if "installed" in found else NotConfigured)(found)
        return found

    def pidfile(self, p: servers.HttpdParams) -> PidFile:
        state = os.environ.get("HA_RSCTMP") or os.environ.get("HA_AGENTS_STATE_DIR")
        digest = hashlib.sha1(p.config.encode()).hexdigest()[:10]
        path = os.path.join(state or DEFAULT_STATE_DIR, f"httpd-{p.server.name}-{digest}.pid")
        return PidFile(path, name=os.path.basename(p.binary))

    def validate(self) -> None:
        self.params()

    def start(self) -> None:
        p = self.params()
        pidfile = self.pidfile(p)
        pid = pidfile.alive()
        spawned = pid is None
        if pid is None:
            if _answers(p.url, 0.5):
                raise GenericError(
                    f"something else already answers at {p.url}: not started, as that "
                    f"server is not ours to stop (Debian starts {p.server.name}.service at "
                    f"install: systemctl disable --now {p.server.name})"
                )
            pid = spawn_daemon(p.server.foreground_argv(p.binary, p.config))
            pidfile.write(pid)
        port = url_port(p.url)
        wait_until(lambda: not pid_alive(pid) or self._serves(pid, port, p.url), START_WAIT, 0.05)
        problem = self._start_problem(pid, port, p)
        if problem is not None:
            if spawned:
                terminate(pid, timeout=STOP_WAIT)
                pidfile.remove()
            raise GenericError(problem)
        self.log.info("%s pid %d answers at %s", p.server.name, pid, p.url)

    @staticmethod
    def _serves(pid: int, port: int, url: str) -> bool:
        return port in listening_ports(pid) and _answers(url, 0.5)

    def _start_problem(self, pid: int, port: int, p: servers.HttpdParams) -> str | None:
        name = p.server.name
        if not pid_alive(pid):
            return f"{name} (pid {pid}) exited at start; see its error log"
        if port not in listening_ports(pid):
            return f"{name} pid {pid} does not listen on port {port} of {p.url}"
        if not _answers(p.url, 0.5):
            return f"{name} pid {pid} gave no HTTP answer at {p.url}"
        return None

    def stop(self) -> None:
        try:
            p = self.params()
        except AgentError as exc:  # nothing we could have started
            self.log.info("nothing to stop: %s", exc.message)
            return
        pidfile = self.pidfile(p)
        pid = pidfile.alive()
        if not terminate(pid, timeout=STOP_WAIT):
            raise GenericError(f"{p.server.name} pid {pid} survived SIGTERM and SIGKILL")
        pidfile.remove()
        if pid is not None:
            self.log.info("%s pid %d stopped", p.server.name, pid)

    def monitor(self, depth: int) -> Running | Stopped:
        p = self.params()
        pidfile = self.pidfile(p)
        pid = pidfile.alive()
        if pid is None:
            return Stopped(f"{p.server.name} is stopped", dead=pidfile.is_stale())
        if not _answers(p.url, 2.0):
            raise GenericError(f"{p.server.name} pid {pid} gives no HTTP answer at {p.url}")
        return Running(f"pid {pid}, {p.url}")


def _answers(url: str, timeout: float) -> bool:
    """Any HTTP status line counts: the server is up, whatever it serves."""
    return http_status(url, timeout) is not None


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(1 << 20)
    except OSError:
        return None
