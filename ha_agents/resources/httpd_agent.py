"""The ``resource.d/httpd`` command: start/stop/check a web server (heartbeat class + OCF).

The server runs in the foreground mode of its binary, detached in its own session, with
its PID in ``STATE_DIR/httpd-<server>-<hash of config>.pid`` (``$HA_RSCTMP`` or
``/run/ha_agents``).  Running means: that PID is alive and is the server binary, AND the
URL gives an HTTP answer (any status line).  start and stop are idempotent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import TextIO

from ha_agents.resources import httpd
from ha_agents.resources.ocf import OcfRc

START_WAIT = 15.0
STOP_WAIT = 10.0

META_DATA = """<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="httpd" version="1.0">
<version>1.0</version>
<longdesc lang="en">
Starts, stops and checks a web server (lighttpd, nginx or apache2: the one named, or the
first installed).  Running means the server process is alive AND the URL answers HTTP.
Part of ha_agents; also a Heartbeat resource.d script (httpd::SERVER::CONFIG::URL).
</longdesc>
<shortdesc lang="en">Web server (ha_agents)</shortdesc>
<parameters>
<parameter name="server" unique="0" required="0">
<longdesc lang="en">lighttpd, nginx or apache2; default: the first installed.</longdesc>
<shortdesc lang="en">Web server</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="config" unique="1" required="0">
<longdesc lang="en">Configuration file; default: the server's Debian default.</longdesc>
<shortdesc lang="en">Configuration file</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="url" unique="0" required="0">
<longdesc lang="en">URL that must answer; default: from the config's listen address.</longdesc>
<shortdesc lang="en">Status URL</shortdesc>
<content type="string" default="" />
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="stop" timeout="20s" />
<action name="status" timeout="20s" />
<action name="monitor" timeout="20s" interval="10s" depth="0" />
<action name="meta-data" timeout="5s" />
<action name="validate-all" timeout="20s" />
</actions>
</resource-agent>
"""


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(1 << 20)
    except OSError:
        return None


def http_answers(url: str, timeout: float = 2.0) -> bool:
    """True if ``url`` answers with an HTTP status line (any code)."""
    u = urllib.parse.urlsplit(url)
    host = u.hostname or "127.0.0.1"
    port = u.port or (443 if u.scheme == "https" else 80)
    path = u.path or "/"
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(f"HEAD {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            return s.recv(16).startswith(b"HTTP/")
    except (OSError, ValueError):
        return False


class Httpd:
    def __init__(self, p: httpd.HttpdParams, state_dir: str) -> None:
        self.p = p
        digest = hashlib.sha1(p.config.encode()).hexdigest()[:10]
        self.pidfile = os.path.join(state_dir, f"httpd-{p.server.name}-{digest}.pid")

    def pid(self) -> int | None:
        """The recorded PID if it is alive and runs the server binary."""
        text = _read(self.pidfile)
        if not text or not text.strip().isdigit():
            return None
        pid = int(text.strip())
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return None
        if state in ("Z", "X"):
            return None
        if os.path.realpath(exe) != os.path.realpath(self.p.binary):
            return None
        return pid

    def status(self) -> tuple[bool, str]:
        pid = self.pid()
        if pid is None:
            return False, f"{self.p.server.name} is stopped"
        if not http_answers(self.p.url):
            return False, f"{self.p.server.name} process {pid} gives no HTTP answer at {self.p.url}"
        return True, f"{self.p.server.name} process {pid} answers at {self.p.url}"

    def start(self) -> tuple[bool, str]:
        pid = self.pid()
        if pid is None:
            os.makedirs(os.path.dirname(self.pidfile), exist_ok=True)
            argv = self.p.server.foreground_argv(self.p.binary, self.p.config)
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                return False, f"cannot run {argv[0]}: {exc}"
            pid = proc.pid
            with open(self.pidfile + ".tmp", "w", encoding="ascii") as f:
                f.write(f"{pid}\n")
            os.replace(self.pidfile + ".tmp", self.pidfile)
        else:
            proc = None
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return False, f"{self.p.server.name} exited with {proc.returncode} at start"
            if http_answers(self.p.url, timeout=0.5):
                return True, f"{self.p.server.name} process {pid} answers at {self.p.url}"
            time.sleep(0.05)
        return False, f"{self.p.server.name} process {pid} gave no HTTP answer in {START_WAIT:.0f}s"

    def stop(self) -> tuple[bool, str]:
        pid = self.pid()
        if pid is None:
            with contextlib.suppress(OSError):
                os.unlink(self.pidfile)
            return True, f"{self.p.server.name} was not running"
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        if self.pid() is not None:
            return False, f"{self.p.server.name} process {pid} did not stop"
        with contextlib.suppress(OSError):
            os.unlink(self.pidfile)
        return True, f"{self.p.server.name} process {pid} stopped"


def _make(raw: tuple[str | None, str | None, str | None], env: Mapping[str, str]) -> Httpd | str:
    params = httpd.resolve_params(*raw, which=shutil.which, read_text=_read)
    if isinstance(params, str):
        return params
    state_dir = env.get("HA_RSCTMP") or env.get("HA_AGENTS_STATE_DIR") or "/run/ha_agents"
    return Httpd(params, state_dir)


HB_ACTIONS = ("start", "stop", "status", "monitor")
OCF_ACTIONS = ("start", "stop", "status", "monitor", "meta-data", "validate-all")


def main(
    argv: Sequence[str], env: Mapping[str, str], out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    args = list(argv[1:])
    if not args:
        print(
            "usage: httpd [SERVER [CONFIG [URL]]] (start|stop|status|monitor|meta-data)", file=out
        )
        return 1
    action, rest = args[-1], args[:-1]
    if action == "meta-data":
        out.write(META_DATA)
        return 0
    ocf = not rest and (
        "OCF_RESOURCE_INSTANCE" in env or any(k.startswith("OCF_RESKEY_") for k in env)
    )
    if ocf:
        return _ocf(action, env, out, err)
    if action not in HB_ACTIONS:
        print(f"usage: httpd [SERVER [CONFIG [URL]]] {'|'.join(HB_ACTIONS)}", file=out)
        return 1
    raw = httpd.from_heartbeat_args(rest)
    if isinstance(raw, str):
        print(raw, file=out)
        return 1
    agent = _make(raw, env)
    if isinstance(agent, str):
        print(f"ERROR: {agent}", file=out)
        if action == "status":
            print("stopped", file=out)
        return 1 if action != "stop" else 0
    if action in ("status", "monitor"):
        running, why = agent.status()
        if action == "status":
            print("running" if running else f"stopped ({why.replace('running', 'up')})", file=out)
            return 0 if running else 3
        return 0 if running else (7 if agent.pid() is None else 1)
    ok, why = agent.start() if action == "start" else agent.stop()
    print(("INFO: " if ok else "ERROR: ") + why, file=out)
    return 0 if ok else 1


def _ocf(action: str, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    if action not in OCF_ACTIONS:
        print(f"ERROR: unknown action {action!r}", file=err)
        return OcfRc.ERR_UNIMPLEMENTED
    agent = _make(httpd.from_ocf(env), env)
    if isinstance(agent, str):
        print(f"ERROR: {agent}", file=err)
        if action == "stop":
            return OcfRc.SUCCESS
        if action in ("monitor", "status"):
            return OcfRc.NOT_RUNNING if "no web server" in agent else OcfRc.ERR_CONFIGURED
        return OcfRc.ERR_INSTALLED if "no web server" in agent else OcfRc.ERR_CONFIGURED
    if action == "validate-all":
        return OcfRc.SUCCESS
    if action in ("monitor", "status"):
        running, why = agent.status()
        if running:
            return OcfRc.SUCCESS
        if agent.pid() is None:
            return OcfRc.NOT_RUNNING
        print(f"ERROR: {why}", file=err)
        return OcfRc.ERR_GENERIC
    ok, why = agent.start() if action == "start" else agent.stop()
    print(("INFO: " if ok else "ERROR: ") + why, file=out if ok else err)
    return OcfRc.SUCCESS if ok else OcfRc.ERR_GENERIC
