"""EDGE: the client API, ping nodes and client programs in the daemon.

``ClientApi`` owns the registration socket (``apisock.py``), the pure protocol server
(``ha_agents.api.server.ApiServer``), the ICMP pinger (``pinger.py``) and the
``respawn``/``failfast`` children (``respawn.py``).  ``daemon/loop.py`` calls it at a
few points (see ``Hooks``) and it calls back through ``Hooks``: it never touches the
engine or the resource manager itself.

It also joins ping nodes to the resource manager: unless ha.cf runs ipfail, the
ping nodes' status (any answers = reachable) is fed to the failover manager as its
``PingStatus`` (the tie-breaker of docs/failover.md).  With ipfail, as under Heartbeat,
ipfail alone acts on ping nodes (docs/failover.md, "ipfail").
"""

from __future__ import annotations

import grp
import os
import pwd
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ha_agents.api import events as ev
from ha_agents.api.actions import ApiAction, CloseClient, LocalStandby, SendCluster, ToClient
from ha_agents.api.auth import build_table
from ha_agents.api.body import Fields
from ha_agents.api.facts import ClusterFacts
from ha_agents.api.server import ApiServer
from ha_agents.api.view import cluster_facts
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon.apisock import ApiSocket, socket_path
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.outbound import Outbound, loadavg
from ha_agents.daemon.pinger import Pinger
from ha_agents.daemon.respawn import Child, Respawner
from ha_agents.failover.events import PingStatus
from ha_agents.membership.actions import (
    Action,
    Level,
    LinkStateChanged,
    LocalActive,
    NodeStatusChanged,
    Notice,
    Send,
    Upcall,
)
from ha_agents.membership.core import OWN_TYPES
from ha_agents.membership.snapshot import MembershipSnapshot
from ha_agents.membership.states import NodeStatus
from ha_agents.wire.codec import Field


@dataclass(frozen=True, slots=True)
class Hooks:
    snapshot: Callable[[], MembershipSnapshot]
    rscstatus: Callable[[], str | None]
    send_cluster: Callable[[Fields], None]  # through the engine: sequenced, signed
    standby: Callable[[str], None]  # the resource manager's hb_standby
    feed_upper: Callable[[object], None]  # an executor-style result (PingStatus)
    ping_heard: Callable[[str], None]
    failfast: Callable[[str], None]


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


def runs_ipfail(config: ClusterConfig) -> bool:
    entries = (*config.hacf.respawn, *config.hacf.failfast)
    return any(os.path.basename(cmd) == "ipfail" for _user, cmd, _args in entries)


class ClientApi:
    def __init__(
        self, config: ClusterConfig, run_dir: Path, log: HbLog, version: str, hooks: Hooks
    ):
        self.config = config
        self.log = log
        self.version = version
        self.hooks = hooks
        table = build_table(config.hacf.apiauth, _user, _group)
        self.server = ApiServer(config.local_node, table, self._facts, daemon_uid=os.getuid())
        self.sock = ApiSocket(socket_path(run_dir), self.feed)
        hacf = config.hacf
        hosts = [h for p in hacf.ping_nodes if not p.ipv6 for h in p.hosts]
        self.pinger = Pinger(dict.fromkeys(hosts), hacf.keepalive_ms / 1000, hooks.ping_heard, log)
        children = [Child(u, " ".join((c, *a)), False) for u, c, a in hacf.respawn]
        children += [Child(u, " ".join((c, *a)), True) for u, c, a in hacf.failfast]
        self.respawner = Respawner(children, log, hooks.failfast)
        self.tie_breaker = bool(hosts) and not runs_ipfail(config)
        self.ping_names = {p.name for p in hacf.ping_nodes}
        self.ping_up: dict[str, bool] = {}

    @property
    def handles_ping(self) -> bool:
        """The membership engine watches the ping nodes: the executor need not."""
        return bool(self.ping_names)

    async def start(self) -> None:
        await self.sock.start()
        self._client_dirs()
        self.pinger.start()

    def _client_dirs(self) -> None:
        """The directories Debian's tmpfiles.d/heartbeat.conf makes for clients under
        /run/heartbeat (dopd listens in crm/): made here when missing, hacluster:haclient
        0750, so a node without the heartbeat package's tmpfiles still runs dopd."""
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

    def _facts(self) -> ClusterFacts:
        return cluster_facts(
            self.hooks.snapshot(), self.config, self.hooks.rscstatus(), self.version
        )

    # -- events in ------------------------------------------------------------------
    def feed(self, event: ev.ApiEvent) -> None:
        self._run(self.server.handle(event))

    def _run(self, actions: Sequence[ApiAction]) -> None:
        for action in actions:
            if isinstance(action, ToClient):
                self.sock.send(action.cid, action.data)
            elif isinstance(action, CloseClient):
                self.sock.close_client(action.cid)
            elif isinstance(action, SendCluster):
                self.hooks.send_cluster(action.body)
            elif isinstance(action, LocalStandby):
                self.log.info(f"API client {action.client} asks to give up [{action.which}]")
                self.hooks.standby(action.which)
            elif isinstance(action, Notice):
                self.log.notice(action)

    def on_actions(self, actions: Sequence[Action], now: float) -> None:
        """The membership engine's actions (daemon/loop.py ``_dispatch``)."""
        for action in actions:
            if isinstance(action, NodeStatusChanged):
                ping = action.node in self.ping_names
                self.feed(ev.NodeChanged(action.node, action.new.value, ping, now))
                if ping:
                    self._ping_changed(action.node, action.new is NodeStatus.PING, now)
            elif isinstance(action, LinkStateChanged):
                self.feed(ev.LinkChanged(action.node, action.link, action.new.value, now))
            elif isinstance(action, Upcall):
                fields = _fields(action.message)
                if fields is not None:
                    self.feed(ev.ClusterMessage(fields, now))
            elif isinstance(action, LocalActive):
                self.respawner.start_all()

    def sent(self, send: Send, out: Outbound, now: float) -> None:
        """One of our own messages went out: clients see it too, as under Heartbeat."""
        if send.msgtype in OWN_TYPES or not self.server.clients:
            return
        wire = out.fields(send, int(time.time()), loadavg())
        fields = tuple(
            (f.name, f.value.decode("latin-1") if f.type == 0 else f.value) for f in wire
        )
        self.feed(ev.ClusterMessage(fields, now))

    def _ping_changed(self, node: str, up: bool, now: float) -> None:
        before = any(self.ping_up.values()) if self.ping_up else None
        self.ping_up[node] = up
        after = any(self.ping_up.values())
        if self.tie_breaker and before != after and (before is not None or not after):
            self.hooks.feed_upper(PingStatus(after, now))

    def tick(self, now: float) -> None:
        self._run(self.server.handle(ev.Tick(now)))

    def next_deadline(self) -> float | None:
        return self.server.next_deadline()

    def status(self) -> dict[str, object]:
        doc = self.server.status()
        doc["respawn"] = self.respawner.status()
        doc["socket"] = str(self.sock.path)
        doc["sendfail"] = self.sock.sendfail
        return doc

    async def stop_clients(self) -> None:
        await self.respawner.stop_all()

    def close(self) -> None:
        self.pinger.close()
        self.sock.close()


def _fields(message: object) -> Fields | None:
    """A decoded wire message (``wire.codec.Message``: ``Field`` tuples) as API fields;
    an engine-test ``FieldsMessage`` is already in that form."""
    raw = getattr(message, "fields", None)
    if not isinstance(raw, tuple):
        return None
    out: list[tuple[str, str | bytes]] = []
    for f in raw:
        if isinstance(f, Field):
            out.append((f.name, f.value.decode("latin-1") if f.type == 0 else f.value))
        elif isinstance(f, tuple) and len(f) == 2:
            out.append((str(f[0]), f[1]))
    return tuple(out)
