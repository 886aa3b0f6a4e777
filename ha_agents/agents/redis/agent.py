"""redis: keep a redis-server instance running (OCF, LSB and heartbeat-class).

haresources: ``node1 192.0.2.50 redis::6380::192.0.2.50`` (port, bind address,
data dir, config file, pid file, in that order); OCF: ``OCF_RESKEY_port=6380`` ...;
LSB: ``PORT=6380`` in /etc/default/redis.

start daemonizes redis-server with its own pid file and data dir and waits until it
answers PING; stop sends ``SHUTDOWN NOSAVE`` (or ``SHUTDOWN SAVE``), then SIGTERM, then
SIGKILL, each to a deadline; monitor needs the pid alive *and* ``PONG`` on a raw socket
(OCF_CHECK_LEVEL 10 also checks that the server on the port is the one in the pid file).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ha_agents.agent import (
    Agent,
    Boolean,
    GenericError,
    Integer,
    InvalidArgs,
    NotConfigured,
    NotInstalled,
    PidFile,
    Running,
    Stopped,
    String,
    run_command,
    terminate,
    wait_until,
)

RUN_DIR = "/run/ha_agents"
DATA_ROOT = "/var/lib/ha_agents/redis"


def redis_command(host: str, port: int, words: list[str], timeout: float = 2.0) -> str | None:
    """Send one command (RESP array) and return its reply as text.

    Status and error replies keep their prefix (``"+PONG"``, ``"-ERR ..."``); a bulk
    reply gives its payload.  ``""``: the server closed the connection without a reply
    (what a successful SHUTDOWN does).  ``None``: no connection, or no reply in time.
    """
    payload = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words
    )
    data = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(payload)
            while not _complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    text = data.decode("utf-8", errors="replace")
    if text.startswith("$"):
        header, _, rest = text.partition("\r\n")
        size = int(header[1:]) if header[1:].lstrip("-").isdigit() else -1
        return rest[:size] if size >= 0 else ""
    return text.split("\r\n", 1)[0]


def _complete(data: bytes) -> bool:
    if b"\r\n" not in data:
        return False
    if not data.startswith(b"$"):
        return True
    header, _, rest = data.partition(b"\r\n")
    size = int(header[1:]) if header[1:].lstrip(b"-").isdigit() else -1
    return size < 0 or len(rest) >= size + 2 or len(data) > 16_000_000


def _alive_reply(reply: str | None) -> bool:
    """PONG, or a refusal only a working server gives (auth needed, protected mode)."""
    return reply is not None and (reply == "+PONG" or reply.startswith(("-NOAUTH", "-DENIED")))


def _short(reply: str | None) -> str:
    return "nothing" if reply is None else repr(reply if len(reply) <= 80 else reply[:77] + "...")


class Redis(Agent):
    """Manages one redis-server instance: its own port, data directory and pid file.

    start daemonizes redis-server and waits until it answers PING; stop shuts it down
    with SHUTDOWN NOSAVE (or SAVE), then SIGTERM, then SIGKILL; monitor requires the
    process in the pid file to be alive and to answer PONG.
    """

    name = "redis"
    version = "1.0"
    shortdesc = "redis-server instance"
    positional = ("port", "bind", "datadir", "config", "pidfile")
    start_timeout = 30
    stop_timeout = 30
    monitor_timeout = 10
    monitor_depths = (0, 10)

    port = Integer(default=6379, minimum=1, maximum=65535, unique=True, description="TCP port.")
    bind = String(
        default="127.0.0.1",
        description="Address redis listens on (the monitor connects to it). "
        "0.0.0.0 is checked through 127.0.0.1.",
    )
    datadir = String(
        default="",
        description=f"Data directory (redis 'dir'); default {DATA_ROOT}/<port>.",
    )
    config = String(
        default="",
        description="Optional redis.conf read first; port, bind, dir and pidfile given "
        "here override it.",
    )
    pidfile = String(default="", description=f"Pid file; default {RUN_DIR}/redis-<port>.pid.")
    logfile = String(default="", description="Log file; default <datadir>/redis.log.")
    binary = String(default="/usr/bin/redis-server", description="The redis-server program.")
    protected_mode = Boolean(
        default=False,
        description="redis protected-mode: with no password set, answer loopback clients only. "
        "Off by default: a cluster-managed redis bound to a service address is meant to be "
        "reached from other hosts (protect it with a password in the config file).",
    )
    save_on_stop = Boolean(
        default=False, description="SHUTDOWN SAVE (write a snapshot) instead of NOSAVE."
    )

    # --- derived settings --------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return Path(self.datadir or f"{DATA_ROOT}/{self.port}")

    @property
    def pid(self) -> PidFile:
        return PidFile(self.pidfile or f"{RUN_DIR}/redis-{self.port}.pid", name="redis")

    @property
    def log_path(self) -> Path:
        return Path(self.logfile) if self.logfile else self.data_dir / "redis.log"

    @property
    def host(self) -> str:
        first = self.bind.split()[0] if self.bind.split() else "127.0.0.1"
        return {"0.0.0.0": "127.0.0.1", "*": "127.0.0.1", "::": "::1"}.get(first, first)

    def ping(self, timeout: float = 2.0) -> str | None:
        return redis_command(self.host, self.port, ["PING"], timeout)

    # --- actions -----------------------------------------------------------------------
    def validate(self) -> None:
        if not os.access(self.binary, os.X_OK):
            raise NotInstalled(
                f"{self.binary} not found or not executable (apt install redis-server)"
            )
        if self.config and not os.path.isfile(self.config):
            raise NotConfigured(f"config file {self.config} does not exist")
        for label, path in (("datadir", self.datadir), ("pidfile", self.pidfile)):
            if path and not os.path.isabs(path):
                raise InvalidArgs(f"{label} must be an absolute path, not {path!r}")
        if not self.bind.split():
            raise InvalidArgs("bind must name at least one address")

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pid.path.parent.mkdir(parents=True, exist_ok=True)
        self.pid.remove()  # a stale file from a crash must not satisfy monitor
        argv = [self.binary]
        if self.config:
            argv.append(self.config)
        argv += [
            "--port",
            str(self.port),
            "--bind",
            *self.bind.split(),
            "--dir",
            str(self.data_dir),
        ]
        argv += ["--pidfile", str(self.pid.path), "--daemonize", "yes"]
        argv += ["--logfile", str(self.log_path)]
        argv += ["--protected-mode", "yes" if self.protected_mode else "no"]
        result = run_command(argv, timeout=15)
        if not result.ok:
            raise GenericError(
                f"redis-server failed to start: {result.describe()}{self._log_tail()}"
            )
        budget = max(1.0, self.timeout("start") - 5.0)
        if not wait_until(lambda: self.pid.alive() is not None and self._answers(), budget, 0.1):
            raise GenericError(
                f"redis on {self.host}:{self.port} did not answer PING{self._log_tail()}"
            )

    def stop(self) -> None:
        pid = self.pid.alive()
        if pid is not None:
            mode = "SAVE" if self.save_on_stop else "NOSAVE"
            reply = redis_command(self.host, self.port, ["SHUTDOWN", mode], timeout=3.0)
            budget = max(1.0, self.timeout("stop") / 2)
            # A successful SHUTDOWN closes the connection without a reply ("").
            if reply != "" or not wait_until(lambda: self.pid.alive() is None, budget, 0.05):
                self.log.warning(
                    "SHUTDOWN %s answered %s; sending SIGTERM to %d", mode, _short(reply), pid
                )
                if not terminate(pid, timeout=budget / 2):
                    raise GenericError(f"redis pid {pid} survived SIGTERM and SIGKILL")
        self.pid.remove()

    def monitor(self, depth: int) -> Running | Stopped:
        pid = self.pid.alive()
        if pid is None:
            if self.pid.is_stale():
                return Stopped(f"pid file {self.pid.path} left by a dead redis", dead=True)
            return Stopped()
        reply = self.ping()
        if reply is not None and reply.startswith("-LOADING"):
            return Running(f"pid {pid}, loading its dataset")
        if not _alive_reply(reply):
            raise GenericError(f"redis pid {pid} is alive but PING answered {_short(reply)}")
        if depth >= 10:
            info = redis_command(self.host, self.port, ["INFO", "server"]) or ""
            if f"process_id:{pid}\r\n" not in info:
                raise GenericError(f"the redis on port {self.port} is not pid {pid}")
        return Running(f"pid {pid}")

    def _answers(self) -> bool:
        return _alive_reply(self.ping(1.0))

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()[-3:]
        except OSError:
            return ""
        return ("; log: " + " | ".join(lines)) if lines else ""
