"""``Node``: one cluster member, pure — the membership engine, the failover manager, the
client API (node/clients.py), the ping tie-breaker (node/pings.py) and message signing
composed once.  The daemon (daemon/loop.py), ``ha-agents simulate``
(export/simulator.py on node/cluster.py) and the tests drive this same object.

Inputs are method calls carrying the monotonic time ``now``; every call returns the
outputs to carry out, in order:

* ``Transmit`` — signed bytes to send on every medium;
* ``Notice`` — one log line;
* membership's cluster events (``NodeUp``, ``NodeDead``, ``NodeReturned``,
  ``PeerShutdown``, ``LocalActive``, ``NodeStatusChanged``, ``LinkStateChanged``) for
  observers (hooks, metrics, systemd status);
* the failover manager's work for the executor (``AcquireGroup``, ``ReleaseGroup``,
  ``Reannounce``, ``Fence``, and resource monitoring's ``Probe`` and
  ``RestartResources``), whose results come back through :meth:`Node.result`, and its
  ``MonitorReport`` for observers;
* the client API's work for the socket edge (``ToClient``, ``CloseClient``) and
  ``StartClients`` (respawn/failfast programs may start).

The signed time stamp ``ts`` is ``now + wall_offset`` (the edge sets the offset between
the wall clock and the monotonic clock) and ``ld`` is ``load_average`` (set by the edge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ha_agents.api import events as api_ev
from ha_agents.api.actions import LocalStandby, SendCluster
from ha_agents.api.body import Fields
from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.membership import actions as ma
from ha_agents.membership.core import OWN_TYPES
from ha_agents.membership.engine import Engine
from ha_agents.membership.events import (
    Event,
    InMessage,
    PacketReceived,
    PacketRejected,
    PingHeard,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)
from ha_agents.membership.snapshot import MembershipSnapshot
from ha_agents.node.clients import ApiSetup, ClientLayer
from ha_agents.node.failover import ExecutorEvent, FailoverLayer, JsonDict
from ha_agents.node.outbound import NO_LOAD, Outbound
from ha_agents.node.pings import PingWatch
from ha_agents.notice import Level, Notice
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.errors import WireError

HEARTBEATS = frozenset({"status", "NS_ackmsg"})  # what a settled cluster exchanges
Output = object  # Transmit | Notice | a membership cluster event | a failover executor action


@dataclass(frozen=True, slots=True)
class Transmit:
    """Send these signed bytes on every medium."""

    data: bytes
    msgtype: str
    reason: str


@dataclass(frozen=True, slots=True)
class Heard:
    """A peer's status message arrived (for the heartbeat inter-arrival metric); only
    emitted when ``Node.report_heartbeats`` is set."""

    node: str
    seq: int
    now: float


class Node:
    def __init__(
        self,
        config: ClusterConfig,
        generation: int,
        uuid: bytes,
        *,
        local_addresses: Iterable[str] = (),
        options: FailoverOptions | None = None,
        failover: bool = True,
        api: ApiSetup | None = None,
    ) -> None:
        self.config = config
        self.engine = Engine(config, generation, uuid, local_addresses=set(local_addresses))
        ttl = len(config.hacf.nodes) + config.hacf.hopfudge
        self.outbound = Outbound(config.authkeys, self.engine.local, uuid, generation, ttl)
        self.failover = FailoverLayer(config, options) if failover else None
        self.pings = PingWatch(config)
        self.clients = (
            ClientLayer(config, api, self.engine.snapshot, self._rscstatus)
            if api is not None
            else None
        )
        self.wall_offset = 0.0
        self.load_average = NO_LOAD
        self.rejected: dict[str, int] = {}
        self.report_heartbeats = False
        self.busy_until = 0.0  # something other than heartbeats happened until then

    @property
    def name(self) -> str:
        return self.engine.local

    # -- inputs ------------------------------------------------------------------------
    def start(self, now: float) -> list[Output]:
        return self._membership(Start(now))

    def datagram(self, data: bytes, link: str, source: str, now: float) -> list[Output]:
        """Bytes heard on medium ``link`` from ``source``: verified, then to the engine."""
        try:
            message = self.outbound.auth.open(data)
        except WireError as exc:
            return [*self._rejected(exc, link, source), *self._membership(
                PacketRejected(exc.reason, link, source, now)
            )]  # fmt: skip
        out = self._membership(PacketReceived(message, link, source, now))
        if message.get("t") not in HEARTBEATS or not all(type(o) is Transmit for o in out):
            self._busy(now)
        if self.report_heartbeats:
            out += self._heard(message, now)
        return out

    def message(self, message: InMessage, link: str, source: str, now: float) -> list[Output]:
        """An already verified message (tests that hand messages between nodes)."""
        return self._membership(PacketReceived(message, link, source, now))

    def tick(self, now: float) -> list[Output]:
        out = self._membership(Tick(now))
        if self.failover is not None:
            out += self._failover_out(self.failover.tick(now), now)
        if self.clients is not None and self.clients.server.clients:  # signon timeouts
            out += self._api_out(self.clients.handle(api_ev.Tick(now)), now)
        return out

    def ping_heard(self, host: str, now: float) -> list[Output]:
        """An ICMP echo reply from a ping node's address (the pinger edge)."""
        return self._membership(PingHeard(host, now))

    def client(self, event: api_ev.ApiEvent) -> list[Output]:
        """A client of the API socket connected, sent bytes or went away."""
        if self.clients is None:
            return []
        self._busy(event.now)
        return self._api_out(self.clients.handle(event), event.now)

    def result(self, event: ExecutorEvent) -> list[Output]:
        """The executor finished a piece of work (GroupDone, FenceDone, PingStatus)."""
        if self.failover is None:
            return []
        self._busy(event.now)
        return self._failover_out(self.failover.run(event), event.now)

    def admin(self, request: JsonDict, now: float) -> tuple[JsonDict, list[Output]]:
        """A control request other than ``status`` (standby, takeover, rscstatus)."""
        if self.failover is None:
            return {"ok": False, "error": f"unknown command {request.get('cmd')!r}"}, []
        self._busy(now)
        reply, outputs = self.failover.admin(request, now)
        return reply, self._failover_out(outputs, now)

    def begin_shutdown(self, now: float) -> list[Output]:
        """Orderly stop: release what must be released; ``shutdone`` goes out with
        :meth:`finish_shutdown` once :meth:`shutdown_complete` (bounded by the caller)."""
        if self.failover is None:
            return []
        return self._failover_out(self.failover.begin_shutdown(now), now)

    def shutdown_complete(self) -> bool:
        return self.failover is None or self.failover.shutdown_complete()

    def finish_shutdown(self, now: float) -> list[Output]:
        return self._membership(Shutdown(now))

    def reload(self, config: ClusterConfig, now: float, *, authkeys: bool) -> None:
        """Take the timers (and, if ``authkeys``, the keys) of a reloaded configuration."""
        self.config = config
        self.engine.retime(config, now)
        if authkeys:
            self.outbound.auth = Authenticator(config.authkeys)

    # -- questions ---------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        times = [self.engine.next_deadline()]
        if self.failover is not None:
            times.append(self.failover.next_deadline())
        if self.clients is not None:
            times.append(self.clients.server.next_deadline())
        return min((t for t in times if t is not None), default=None)

    def snapshot(self, now: float) -> MembershipSnapshot:
        return self.engine.snapshot(now)

    def quiet(self, now: float) -> bool:
        """Nothing but heartbeats expected: every peer alive, no exchange, no API client,
        nothing else heard for a deadtime.  The daemon then reads datagrams at its next
        timer instead of waking for each (they keep their arrival time)."""
        return (
            now >= self.busy_until
            and self.engine.settled()
            and (self.failover is None or self.failover.settled())
            and (self.clients is None or not self.clients.server.clients)
        )

    def peer_sources(self, link: str) -> frozenset[str] | None:
        """Where the peers are heard from on ``link`` once all are (membership/engine.py)."""
        return self.engine.peer_sources(link)

    def resources(self) -> JsonDict | None:
        return None if self.failover is None else self.failover.status()

    def _rscstatus(self) -> str | None:
        status = self.resources()
        held = status.get("rscstatus") if status else None
        return held if isinstance(held, str) else None

    # -- wiring ------------------------------------------------------------------------
    def _busy(self, now: float) -> None:
        self.busy_until = now + self.config.hacf.deadtime_ms / 1000

    def _rejected(self, exc: WireError, link: str, source: str) -> list[Output]:
        count = self.rejected[exc.reason] = self.rejected.get(exc.reason, 0) + 1
        if count & (count - 1):  # log the 1st, 2nd, 4th, 8th... of each reason
            return []
        so_far = f" [{count} so far]" if count > 1 else ""
        text = f"Dropped datagram from {source} on {link}: {exc.reason} ({exc.detail}){so_far}"
        return [Notice(Level.ERROR, text)]

    def _heard(self, message: InMessage, now: float) -> list[Output]:
        src, seq = message.get("src"), message.get("seq")
        if message.get("t") != "status" or src is None or seq is None:
            return []
        if src == self.name or src not in self.config.hacf.nodes:
            return []
        try:
            return [Heard(src, int(seq, 16), now)]
        except ValueError:
            return []

    def _membership(self, event: Event) -> list[Output]:
        out: list[Output] = []
        now = event.now
        for action in self.engine.handle(event):
            if isinstance(action, ma.Send):
                out += self._send(action, now)
            elif isinstance(action, ma.Resend):
                stored = self.outbound.stored(action.seq)
                if stored is not None:
                    out.append(Transmit(stored, "rexmit", action.reason))
            elif isinstance(action, Notice):
                out.append(action)
            else:
                out += self._cluster_event(action, now)
        return out

    def _send(self, action: ma.Send, now: float) -> list[Output]:
        ts = int(now + self.wall_offset)
        data = self.outbound.encode(action, ts, self.load_average)
        out: list[Output] = [Transmit(data, action.msgtype, action.reason)]
        if self.clients is not None and action.msgtype not in OWN_TYPES:
            wire = self.outbound.fields(action, ts, self.load_average)
            fields: Fields = tuple(
                (f.name, f.value.decode("latin-1") if f.type == 0 else f.value) for f in wire
            )
            out += self._api_out(self.clients.own(fields, now), now)
        return out

    def _cluster_event(self, action: object, now: float) -> list[Output]:
        out: list[Output] = [] if isinstance(action, ma.Upcall) else [action]
        if self.failover is not None:
            out += self._failover_out(self.failover.cluster_event(action, now), now)
        ping = self.pings.observe(action, now)
        if ping is not None:
            out += self.result(ping)
        if self.clients is not None:
            out += self._api_out(self.clients.observe(action, now), now)
        return out

    def _api_out(self, items: Sequence[object], now: float) -> list[Output]:
        out: list[Output] = []
        for item in items:
            if isinstance(item, SendCluster):
                out += self._membership(SendMessage(item.body, now))
            elif isinstance(item, LocalStandby):
                text = f"API client {item.client} asks to give up [{item.which}]"
                out.append(Notice(Level.INFO, text))
                reply, more = self.admin({"cmd": "standby", "which": item.which}, now)
                if not reply.get("ok", True):
                    out.append(Notice(Level.WARN, f"standby {item.which}: {reply.get('error')}"))
                out += more
            else:
                out.append(item)
        return out

    def _failover_out(self, items: Iterable[object], now: float) -> list[Output]:
        out: list[Output] = []
        for item in items:
            if isinstance(item, SendMessage):
                out += self._membership(item)
            else:
                out.append(item)
        return out
