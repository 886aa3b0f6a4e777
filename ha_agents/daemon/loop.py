"""EDGE: the daemon — one asyncio loop wiring the membership engine to the media, the
clock, the log, the control socket, signals and (optionally) an upper layer.

Timers: after every event the loop arms one ``call_at`` for ``engine.next_deadline()``
(and the upper layer's); asyncio's clock is the monotonic clock, and the engine schedules
keepalives from their ideal times, so there is no drift.  SIGTERM: the upper layer
releases, then ``shutdone`` goes out and the loop ends.  SIGHUP: ignored here;
``ops.daemon.OpsDaemon`` (what ``ha-agents run`` builds) reloads the configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ha_agents import __version__
from ha_agents.config.model import ClusterConfig, Medium, MediumKind
from ha_agents.daemon import control, ifaddr, statefiles
from ha_agents.daemon.apiedge import ClientApi, Hooks
from ha_agents.daemon.apisock import ApiSocketError
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.outbound import Outbound
from ha_agents.daemon.transports import SerialLink, TransportError, UdpLink, open_udp_links
from ha_agents.daemon.upper import Executor, JsonDict, UpperLayer
from ha_agents.failover.actions import WatchPing
from ha_agents.membership.actions import Action, Level, Notice, Resend, Send
from ha_agents.membership.engine import Engine
from ha_agents.membership.events import (
    Event,
    PacketReceived,
    PacketRejected,
    PingHeard,
    SendMessage,
    Shutdown,
    Start,
    Tick,
)
from ha_agents.status.snapshot import snapshot_document
from ha_agents.wire.errors import WireError

SHUTDOWN_WAIT_S = 120.0  # bound on the upper layer's release at SIGTERM


@dataclass(frozen=True, slots=True)
class Paths:
    state_dir: Path
    run_dir: Path


class Daemon:
    def __init__(
        self,
        config: ClusterConfig,
        paths: Paths,
        log: HbLog,
        *,
        upper: UpperLayer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.log = log
        self.upper = upper
        self.executor = executor
        self.engine: Engine | None = None
        self.out: Outbound | None = None
        self.links: list[UdpLink | SerialLink] = []
        self.stop = asyncio.Event()
        self.timer: asyncio.TimerHandle | None = None
        self.rejected: dict[str, int] = {}
        self.exit_code = 0
        self.api: ClientApi | None = None  # the client API, ping nodes, respawn (apiedge.py)

    # -- start-up ---------------------------------------------------------------------

    def _prepare(self) -> Engine:
        """Generation and uuid (refuse to start if they cannot be persisted)."""
        hacf = self.config.hacf
        try:
            self.paths.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise statefiles.StateError(
                f"cannot create state dir {self.paths.state_dir}: {exc.strerror or exc}"
            ) from None
        decision = statefiles.bump_generation(self.paths.state_dir, int(time.time()))
        for level, text in decision.notices:
            self.log.log(Level(level), text)
        uuid, created = statefiles.load_uuid(self.paths.state_dir)
        if created:
            self.log.info("No uuid found for current node - generating a new uuid.")
        infos = ifaddr.interfaces()
        self.infos = infos
        self.local_addrs = ifaddr.local_addresses(infos) | {"127.0.0.1"}
        engine = Engine(self.config, decision.generation, uuid, local_addresses=self.local_addrs)
        ttl = len(hacf.nodes) + hacf.hopfudge
        self.out = Outbound(self.config.authkeys, engine.local, uuid, decision.generation, ttl)
        return engine

    async def _open_media(self) -> None:
        udp: list[Medium] = []
        for m in self.config.hacf.media:
            if m.kind is MediumKind.SERIAL:
                self.links.append(SerialLink(m, self._datagram))
                self.log.info(
                    f"glib: Starting serial heartbeat on tty {m.dev} ({m.baud or 19200} baud)"
                )
            else:
                udp.append(m)
        self.links.extend(await open_udp_links(udp, self.infos, self.local_addrs, self._datagram))
        for m in udp:
            if m.kind is MediumKind.BCAST:
                self.log.info(
                    f"glib: UDP Broadcast heartbeat started on port {m.port} ({m.port}) "
                    f"interface {m.dev}"
                )
            elif m.kind is MediumKind.MCAST:
                self.log.info(
                    f"glib: UDP multicast heartbeat started for group {m.group} "
                    f"port {m.port} interface {m.dev} (ttl={m.ttl} loop={int(bool(m.loop))})"
                )
            elif m.peer in self.local_addrs:
                self.log.info(f"glib: ucast: {m.peer} is a local address; not sending to it")
            else:
                self.log.info(
                    f"glib: ucast: started on port {m.port} interface {m.dev} to {m.peer}"
                )
        if self.config.hacf.ping_nodes:
            names = ", ".join(p.name for p in self.config.hacf.ping_nodes)
            self.log.info(f"glib: ping heartbeat started ({names}).")

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            self.engine = self._prepare()
        except statefiles.StateError as exc:
            self.log.log(Level.ERROR, f"{exc}; refusing to start")
            return 1
        server: asyncio.AbstractServer | None = None
        try:
            await self._open_media()
            server = await control.serve(control.socket_path(self.paths.run_dir), self._control)
            self.api = self._client_api()
            await self.api.start()
        except (TransportError, control.ControlError, ApiSocketError, OSError) as exc:
            self.log.log(Level.ERROR, f"{exc}; refusing to start")
            self._close_links()
            if self.api is not None:
                self.api.close()
            if server is not None:
                server.close()
            return 1
        loop.add_signal_handler(signal.SIGTERM, self._sigterm)
        loop.add_signal_handler(signal.SIGINT, self._sigterm)
        loop.add_signal_handler(signal.SIGHUP, self._sighup)
        try:
            self._feed(Start(loop.time()))
            await self.stop.wait()
            await self._shutdown()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if self.timer is not None:
                self.timer.cancel()
            server.close()
            with contextlib.suppress(OSError):
                control.socket_path(self.paths.run_dir).unlink()
            if self.executor is not None:
                await self.executor.close()
            if self.api is not None:
                self.api.close()
            self._close_links()
        return self.exit_code

    def _close_links(self) -> None:
        for link in self.links:
            link.close()
        self.links = []

    # -- signals and shutdown ------------------------------------------------------------

    def _sigterm(self) -> None:
        if not self.stop.is_set():
            self.log.info(f"Heartbeat shutdown in progress. ({os.getpid()})")
            self.stop.set()

    def _sighup(self) -> None:
        self.log.info("SIGHUP received: configuration reload is not supported; ignored")

    async def _shutdown(self) -> None:
        loop = asyncio.get_running_loop()
        if self.api is not None:  # Heartbeat stops its client programs first
            await self.api.stop_clients()
        if self.upper is not None:
            self._upper_out(self.upper.begin_shutdown(loop.time()))
            deadline = loop.time() + SHUTDOWN_WAIT_S
            while not self.upper.shutdown_complete() and loop.time() < deadline:
                await asyncio.sleep(0.05)
        self._feed(Shutdown(loop.time()))
        await asyncio.sleep(0.05)  # let the datagram transports flush shutdone
        assert self.engine is not None
        self.log.info(f"{self.engine.local} Heartbeat shutdown complete.")

    # -- events in, actions out ---------------------------------------------------------

    def _datagram(self, data: bytes, link: str, source: str) -> None:
        assert self.out is not None
        now = asyncio.get_running_loop().time()
        try:
            message = self.out.auth.open(data)
        except WireError as exc:
            count = self.rejected[exc.reason] = self.rejected.get(exc.reason, 0) + 1
            if count & (count - 1) == 0:  # log the 1st, 2nd, 4th, 8th... of each reason
                self.log.log(
                    Level.ERROR,
                    f"Dropped datagram from {source} on {link}: {exc.reason} ({exc.detail})"
                    + (f" [{count} so far]" if count > 1 else ""),
                )
            self._feed(PacketRejected(exc.reason, link, source, now))
            return
        self._feed(PacketReceived(message, link, source, now))

    def _feed(self, event: Event) -> None:
        assert self.engine is not None
        self._dispatch(self.engine.handle(event), event_now(event))
        self._arm()

    def _dispatch(self, actions: Sequence[Action], now: float) -> None:
        assert self.out is not None
        for action in actions:
            if isinstance(action, Send):
                self._send(self.out.encode(action))
                if self.api is not None:
                    self.api.sent(action, self.out, now)
            elif isinstance(action, Resend):
                data = self.out.stored(action.seq)
                if data is not None:
                    self._send(data)
            elif isinstance(action, Notice):
                self.log.notice(action)
            elif self.upper is not None:
                self._upper_out(self.upper.cluster_event(action, now))
        if self.api is not None:
            self.api.on_actions(actions, now)

    def _send(self, data: bytes) -> None:
        for link in self.links:
            link.send(data)

    def _upper_out(self, outputs: Sequence[object]) -> None:
        assert self.engine is not None
        for item in outputs:
            if isinstance(item, SendMessage):
                self._dispatch(self.engine.handle(item), item.now)
            elif isinstance(item, Notice):
                self.log.notice(item)
            elif isinstance(item, WatchPing) and self.api is not None and self.api.handles_ping:
                continue  # membership watches the ping nodes (membership/pingnodes.py)
            elif self.executor is not None:
                self.executor.execute(item, self._executor_result)
            else:
                self.log.log(Level.ERROR, f"no executor for upper-layer action {item!r}")
        self._arm()

    def _executor_result(self, result: object) -> None:
        if self.upper is not None:
            self._upper_out(self.upper.feed(result, asyncio.get_running_loop().time()))

    def _on_timer(self) -> None:
        self.timer = None
        now = asyncio.get_running_loop().time()
        assert self.engine is not None
        self._dispatch(self.engine.handle(Tick(now)), now)
        if self.upper is not None:
            self._upper_out(self.upper.tick(now))
        if self.api is not None:
            self.api.tick(now)
        self._arm()

    def _arm(self) -> None:
        assert self.engine is not None
        times = [self.engine.next_deadline()]
        if self.upper is not None:
            times.append(self.upper.next_deadline())
        if self.api is not None:
            times.append(self.api.next_deadline())
        due = min((t for t in times if t is not None), default=None)
        if self.timer is not None:
            if due is not None and abs(self.timer.when() - due) < 1e-6:
                return
            self.timer.cancel()
            self.timer = None
        if due is not None:
            self.timer = asyncio.get_running_loop().call_at(due, self._on_timer)

    # -- control socket --------------------------------------------------------------------

    def status_document(self) -> JsonDict:
        assert self.engine is not None
        now = asyncio.get_running_loop().time()
        resources = self.upper.status() if self.upper is not None else None
        doc = snapshot_document(
            self.engine.snapshot(now),
            parameters=self.config.hacf.parameters,
            version=__version__,
            pid=os.getpid(),
            resources=resources,
        )
        if self.api is not None:
            doc["api"] = self.api.status()
        return doc

    # -- the client API (apiedge.py) ----------------------------------------------------

    def _client_api(self) -> ClientApi:
        loop = asyncio.get_running_loop()

        def rscstatus() -> str | None:
            status = self.upper.status() if self.upper is not None else None
            held = status.get("rscstatus") if status else None
            return held if isinstance(held, str) else None

        def failfast(command: str) -> None:
            self.exit_code = 1
            self._sigterm()

        hooks = Hooks(
            snapshot=lambda: self._engine().snapshot(loop.time()),
            rscstatus=rscstatus,
            send_cluster=lambda body: self._upper_out([SendMessage(body, loop.time())]),
            standby=lambda which: self._upper_admin({"cmd": "standby", "which": which}),
            feed_upper=self._executor_result,
            ping_heard=lambda host: self._feed(PingHeard(host, loop.time())),
            failfast=failfast,
        )
        return ClientApi(self.config, self.paths.run_dir, self.log, __version__, hooks)

    def _engine(self) -> Engine:
        assert self.engine is not None
        return self.engine

    def _upper_admin(self, request: JsonDict) -> None:
        if self.upper is not None:
            reply, outputs = self.upper.admin(request, asyncio.get_running_loop().time())
            self._upper_out(outputs)
            if not reply.get("ok", True):
                self.log.log(Level.WARN, f"{request}: {reply.get('error')}")

    def _control(self, request: JsonDict) -> JsonDict:
        cmd = request.get("cmd")
        if cmd == "status":
            return {"ok": True, "status": self.status_document()}
        if self.upper is not None:
            reply, outputs = self.upper.admin(request, asyncio.get_running_loop().time())
            self._upper_out(outputs)
            return reply
        return {"ok": False, "error": f"unknown command {cmd!r}"}


def event_now(event: Event) -> float:
    return event.now
