"""EDGE: what the client API and the ping nodes need from the machine — the
registration socket (daemon/apisock.py), the ``respawn``/``failfast`` programs
(daemon/respawn.py), the ICMP pinger of the ping nodes (daemon/pinger.py), and the
apiauth table with its user and group names resolved here.  The protocol itself is in
the pure node (node/clients.py, api/).
"""

from __future__ import annotations

import grp
import os
import pwd
from collections.abc import Callable

from ha_agents.api import events as ev
from ha_agents.api.auth import build_table
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon.apisock import ApiSocket, socket_path
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.pinger import Pinger
from ha_agents.daemon.respawn import Child, Respawner
from ha_agents.node.clients import ApiSetup
from ha_agents.notice import Level

#: The directories Debian's tmpfiles.d/heartbeat.conf makes for clients under
#: /run/heartbeat (dopd listens in crm/).
CLIENT_DIRS = ("ccm", "crm", "dopd")


def _user(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _group(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def api_setup(config: ClusterConfig, version: str) -> ApiSetup:
    return ApiSetup(build_table(config.hacf.apiauth, _user, _group), os.getuid(), version)


class ClientEdges:
    def __init__(
        self,
        config: ClusterConfig,
        run_dir: str,
        log: HbLog,
        *,
        to_node: Callable[[ev.ApiEvent], None],
        ping_heard: Callable[[str], None],
        failfast: Callable[[str], None],
    ) -> None:
        self.log = log
        hacf = config.hacf
        self.sock = ApiSocket(socket_path(run_dir), to_node)
        hosts = [h for p in hacf.ping_nodes if not p.ipv6 for h in p.hosts]
        self.pinger = Pinger(dict.fromkeys(hosts), hacf.keepalive_ms / 1000, ping_heard, log)
        children = [Child(u, " ".join((c, *a)), False) for u, c, a in hacf.respawn]
        children += [Child(u, " ".join((c, *a)), True) for u, c, a in hacf.failfast]
        self.respawner = Respawner(children, log, failfast)

    async def start(self) -> None:
        await self.sock.start()
        self._client_dirs()
        self.pinger.start()

    def _client_dirs(self) -> None:
        """Made here when missing, hacluster:haclient 0750, so a node without the
        heartbeat package's tmpfiles still runs dopd."""
        uid, gid = _user("hacluster"), _group("haclient")
        if uid is None or gid is None:
            return
        for sub in CLIENT_DIRS:
            path = self.sock.path.parent / sub
            if path.exists():
                continue
            try:
                path.mkdir(mode=0o750)
                os.chown(path, uid, gid)
            except OSError as exc:
                self.log.log(Level.WARN, f"cannot create {path}: {exc.strerror or exc}")

    def status(self, server: dict[str, object]) -> dict[str, object]:
        """The ``api`` section of ``status --json``: the server's view plus the edges'."""
        return {
            **server,
            "respawn": self.respawner.status(),
            "socket": str(self.sock.path),
            "sendfail": self.sock.sendfail,
        }

    async def stop_clients(self) -> None:
        await self.respawner.stop_all()

    def close(self) -> None:
        self.pinger.close()
        self.sock.close()
