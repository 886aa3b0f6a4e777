"""The client API inside the node (pure): Heartbeat's API server (api/server.py) fed with
what membership sees.

* membership's node and link changes become the clients' status callbacks; cluster
  messages (a peer's upcalls, and this node's own messages) reach the clients that want
  them;
* a client's request to the cluster is sent through the engine (``SendCluster``), a
  client giving up resources (ipfail's ``ask_resources info=me``) is the manager's
  hb_standby (``LocalStandby``) — both handled by node.py;
* once this node is active (``LocalActive``) the ``respawn``/``failfast`` programs may
  start: ``StartClients`` for the edge (daemon/clients.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ha_agents.api import events as ev
from ha_agents.api.actions import ApiAction
from ha_agents.api.auth import Permit
from ha_agents.api.body import Fields
from ha_agents.api.facts import ClusterFacts
from ha_agents.api.server import ApiServer
from ha_agents.config.model import ClusterConfig
from ha_agents.membership import actions as ma
from ha_agents.membership.snapshot import MembershipSnapshot
from ha_agents.node.apiview import cluster_facts
from ha_agents.wire.message import Field


@dataclass(frozen=True, slots=True)
class StartClients:
    """The cluster is up: start the ``respawn`` and ``failfast`` programs of ha.cf."""

    reason: str


@dataclass(frozen=True, slots=True)
class ApiSetup:
    """What the edge knows that the pure server needs: the apiauth table (user and group
    names resolved on this machine), the daemon's uid and our version."""

    table: Mapping[str, Permit]
    daemon_uid: int
    version: str


class ClientLayer:
    def __init__(
        self,
        config: ClusterConfig,
        setup: ApiSetup,
        snapshot: Callable[[float], MembershipSnapshot],
        rscstatus: Callable[[], str | None],
    ) -> None:
        self.config = config
        self.version = setup.version
        self.snapshot = snapshot
        self.rscstatus = rscstatus
        self.now = 0.0
        self.server = ApiServer(
            config.local_node, setup.table, self._facts, daemon_uid=setup.daemon_uid
        )
        self.ping_names = {p.name for p in config.hacf.ping_nodes}

    def _facts(self) -> ClusterFacts:
        snap = self.snapshot(self.now)
        return cluster_facts(snap, self.config, self.rscstatus(), self.version)

    def handle(self, event: ev.ApiEvent) -> list[ApiAction]:
        self.now = event.now
        return self.server.handle(event)

    def observe(self, action: object, now: float) -> list[object]:
        """A membership action as API events (and ``StartClients`` for the edge)."""
        out: list[object] = []
        if isinstance(action, ma.NodeStatusChanged):
            ping = action.node in self.ping_names
            out += self.handle(ev.NodeChanged(action.node, action.new.value, ping, now))
        elif isinstance(action, ma.LinkStateChanged):
            out += self.handle(ev.LinkChanged(action.node, action.link, action.new.value, now))
        elif isinstance(action, ma.Upcall):
            fields = message_fields(action.message)
            if fields is not None:
                out += self.handle(ev.ClusterMessage(fields, now))
        elif isinstance(action, ma.LocalActive):
            out.append(StartClients("this node is active"))
        return out

    def own(self, fields: Fields, now: float) -> list[ApiAction]:
        """One of our own messages went out: clients see it too, as under Heartbeat."""
        if not self.server.clients:
            return []
        return self.handle(ev.ClusterMessage(fields, now))


def message_fields(message: object) -> Fields | None:
    """A decoded wire message (``Field`` tuples) as API fields; an engine-test
    ``FieldsMessage`` is already in that form."""
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
