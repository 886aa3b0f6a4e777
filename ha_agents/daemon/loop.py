"""EDGE: the daemon — one asyncio loop that drives the pure node (node/node.py) with what
happens outside: datagrams from the media, the clock, executor results, control requests
and signals; and carries out what the node decides: send on every medium, log, run
resource groups (daemon/executor.py), tell systemd/hooks/metrics (daemon/operations.py).

Timers: after every input the loop arms one ``call_at`` for ``node.next_deadline()``;
asyncio's clock is the monotonic clock and the engine schedules keepalives from their
ideal times, so there is no drift.  SIGTERM: the node releases its groups (bounded), then
``shutdone`` goes out and the loop ends.  SIGHUP: reload (daemon/reload.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ha_agents import __version__
from ha_agents.api.actions import CloseClient, ToClient
from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.daemon import control, linkctl, realtime, statefiles
from ha_agents.daemon import reload as reloading
from ha_agents.daemon.apisock import ApiSocketError
from ha_agents.daemon.clients import ClientEdges, api_setup
from ha_agents.daemon.executor import Executor, FailoverExecutor
from ha_agents.daemon.hostload import LOADAVG_EVERY_S, loadavg
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.media import Host, Link, close_links, log_media, open_media
from ha_agents.daemon.operations import Operations
from ha_agents.daemon.opsoptions import OpsOptions
from ha_agents.daemon.resume import Resume, media_fds
from ha_agents.daemon.transports import TransportError
from ha_agents.failover.actions import EXECUTOR_WORK
from ha_agents.membership.actions import NodeDead
from ha_agents.node.clients import StartClients
from ha_agents.node.node import Heard, Node, Transmit
from ha_agents.notice import Level, Notice
from ha_agents.status import monitors
from ha_agents.status.events import OpsEvent
from ha_agents.status.snapshot import snapshot_document

SHUTDOWN_WAIT_S = 120.0  # bound on the groups' release at SIGTERM
JsonDict = dict[str, object]


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
        ops: OpsOptions,
        failover: FailoverOptions | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.log = log
        self.ops = ops
        self.executor = executor or FailoverExecutor(config, log, failover)
        self.failover = failover
        self.operations = Operations(config, log, ops, self.status_document)
        self.node: Node | None = None
        self.links: list[Link] = []
        self.stop = asyncio.Event()
        self.timer: asyncio.TimerHandle | None = None
        self.resume = Resume()  # a late timer waits until the media are drained
        self.pending_restart: list[str] = []
        self.clients: ClientEdges | None = None  # API socket, pinger, respawn (clients.py)
        self.media_task: asyncio.Task[None] | None = None
        self.exit_code = 0
        self.loadavg_due = 0.0
        self.last_input = 0.0  # the time of the last datagram or tick given to the node
        self.stall = config.hacf.deadtime_ms / 2000
        self.draining = False
        self.last_verdict: float | None = None

    # -- start-up ------------------------------------------------------------------------
    def _prepare(self) -> Node:
        """Generation and uuid (refuse to start if they cannot be persisted)."""
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
        self.host = Host.read()
        node = Node(
            self.config,
            decision.generation,
            uuid,
            local_addresses=self.host.addresses,
            options=self.failover,
            api=api_setup(self.config, __version__),
        )
        node.wall_offset = time.time() - asyncio.get_running_loop().time()
        node.load_average = loadavg()
        node.report_heartbeats = self.operations.metrics is not None
        return node

    async def run(self) -> int:
        sock = control.socket_path(self.paths.run_dir)
        try:
            control.check_free(sock)
            self.node = self._prepare()
            realtime.start(self.config.hacf, self.log)
            self.links = await open_media(self.config.hacf.media, self.host, self._datagram)
            log_media(self.config, self.host, self.log)
            server = await control.serve(sock, self._control)
        except (statefiles.StateError, control.ControlError, TransportError, OSError) as exc:
            self.log.log(Level.ERROR, f"{exc}; refusing to start")
            close_links(self.links)
            self.exit_code = 1
            return 1
        try:
            self.clients = self._client_edges()
            await self.clients.start()
        except (ApiSocketError, OSError) as exc:
            self.log.log(Level.ERROR, f"{exc}; refusing to start")
            if self.clients is not None:
                self.clients.close()
            server.close()
            close_links(self.links)
            return 1
        try:
            await self.operations.open()
            self._signals(install=True)
            self._dispatch(self.node.start(asyncio.get_running_loop().time()))
            self.operations.ready()
            gc.freeze()  # start-up's objects: never scanned again by the cyclic collector
            await self.stop.wait()
            await self._shutdown()
        finally:
            self._signals(install=False)
            if self.timer is not None:
                self.timer.cancel()
            server.close()
            with contextlib.suppress(OSError):
                sock.unlink()
            await self.executor.close()
            await self.operations.close()
            if self.clients is not None:
                self.clients.close()
            close_links(self.links)
        return self.exit_code

    def _client_edges(self) -> ClientEdges:
        loop = asyncio.get_running_loop()

        def to_node(event: object) -> None:
            assert self.node is not None
            self._dispatch(self.node.client(event))  # type: ignore[arg-type]

        def ping_heard(host: str) -> None:
            assert self.node is not None
            self._dispatch(self.node.ping_heard(host, loop.time()))

        def failfast(command: str) -> None:
            self.exit_code = 1
            self._sigterm()

        return ClientEdges(
            self.config,
            str(self.paths.run_dir),
            self.log,
            to_node=to_node,
            ping_heard=ping_heard,
            failfast=failfast,
        )

    def _signals(self, install: bool) -> None:
        loop = asyncio.get_running_loop()
        handlers: dict[int, Callable[[], object]] = {
            signal.SIGTERM: self._sigterm,
            signal.SIGINT: self._sigterm,
            signal.SIGHUP: lambda: self.reload("SIGHUP"),
        }
        for sig, handler in handlers.items():
            if install:
                loop.add_signal_handler(sig, handler)
            else:
                loop.remove_signal_handler(sig)

    # -- signals and shutdown ------------------------------------------------------------
    def _sigterm(self) -> None:
        if not self.stop.is_set():
            self.operations.stopping()
            self.log.info(f"Heartbeat shutdown in progress. ({os.getpid()})")
            self.stop.set()

    async def _shutdown(self) -> None:
        assert self.node is not None
        loop = asyncio.get_running_loop()
        if self.clients is not None:  # Heartbeat stops its client programs first
            await self.clients.stop_clients()
        self._dispatch(self.node.begin_shutdown(loop.time()))
        deadline = loop.time() + SHUTDOWN_WAIT_S
        while not self.node.shutdown_complete() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self._dispatch(self.node.finish_shutdown(loop.time()))
        await asyncio.sleep(0.05)  # let the datagram transports flush shutdone
        self.log.info(f"{self.node.name} Heartbeat shutdown complete.")

    # -- inputs --------------------------------------------------------------------------
    def _datagram(self, data: bytes, link: str, source: str, arrival: float | None = None) -> None:
        assert self.node is not None
        now = asyncio.get_running_loop().time()
        if arrival is not None and self.last_input <= arrival < now <= self.last_input + self.stall:
            # the kernel's receive time (the datagram waited for a quiet loop's timer);
            # not after a stall (SIGSTOP): the failover manager must see that gap
            now = arrival
        self.last_input = now
        self._dispatch(self.node.datagram(data, link, source, now))

    def _executor_result(self, result: object) -> None:
        assert self.node is not None
        self._dispatch(self.node.result(result))  # type: ignore[arg-type]
        self.operations.groups(self.node.resources())
        self.operations.status_changed()

    def _on_timer(self, due: float) -> None:
        self.timer = None
        assert self.node is not None
        loop = asyncio.get_running_loop()
        self.draining = True  # the tick below re-arms the timer once for all of them
        linkctl.drain_paused(self.links)
        self.draining = False
        keepalive = self.config.hacf.keepalive_ms / 1000
        if self.resume.hold(due, loop.time(), keepalive, media_fds(self.links)):
            self.timer = loop.call_at(loop.time(), self._on_timer, due)  # after the I/O
            return
        now = self.last_input = loop.time()
        if now >= self.loadavg_due:
            self.node.load_average = loadavg()
            self.loadavg_due = now + LOADAVG_EVERY_S
        self._dispatch(self.node.tick(now))

    # -- outputs -------------------------------------------------------------------------
    def _dispatch(self, outputs: Sequence[object]) -> None:
        changed = False
        for item in outputs:
            if isinstance(item, Transmit):
                for link in self.links:
                    link.send(item.data)
            elif isinstance(item, Notice):
                self.log.notice(item)
            elif isinstance(item, Heard):
                self.operations.heartbeat(item.node, item.seq, item.now)
            elif isinstance(item, ToClient | CloseClient | StartClients):
                self._client_work(item)
            elif isinstance(item, EXECUTOR_WORK):
                self.executor.execute(item, self._executor_result)
                changed = True
            elif isinstance(item, NodeDead):
                self.last_verdict = self.last_input  # a peer's deadtime verdict
                changed = True
            else:
                changed = True
        if changed:
            self.operations.observe(outputs)
            self.operations.status_changed()
            linkctl.filter_peers(self.links, self.node, self.failover)
        if outputs or not self.draining:
            self._arm()

    def _client_work(self, item: ToClient | CloseClient | StartClients) -> None:
        if self.clients is None:
            return
        if isinstance(item, ToClient):
            self.clients.sock.send(item.cid, item.data)
        elif isinstance(item, CloseClient):
            self.clients.sock.close_client(item.cid)
        else:
            self.clients.respawner.start_all()

    def _arm(self) -> None:
        assert self.node is not None
        linkctl.set_quiet(self.links, self.node.quiet(asyncio.get_running_loop().time()))
        due = self.node.next_deadline()
        if self.timer is not None:
            if due is not None and abs(self.timer.when() - due) < 1e-6:
                return
            self.timer.cancel()
            self.timer = None
        if due is not None:
            self.timer = asyncio.get_running_loop().call_at(due, self._on_timer, due)

    # -- control socket ------------------------------------------------------------------
    def status_document(self) -> JsonDict:
        assert self.node is not None
        now = asyncio.get_running_loop().time()
        doc = snapshot_document(
            self.node.snapshot(now),
            parameters=self.config.hacf.parameters,
            version=__version__,
            pid=os.getpid(),
            resources=self.node.resources(),
        )
        doc.update(linkctl.extras(self.links, self.last_verdict, self.executor.last_added()))
        doc["pending_restart"] = list(self.pending_restart)
        if self.clients is not None and self.node.clients is not None:
            doc["api"] = self.clients.status(self.node.clients.server.status())
        resources = doc.get("resources")
        groups = resources.get("groups") if isinstance(resources, dict) else None
        for group in groups if isinstance(groups, list) else []:
            since = group.get("since") if isinstance(group, dict) else None
            if isinstance(group, dict):
                age = round(now - since, 3) if isinstance(since, int | float) else None
                group["last_transition_s"] = age
        monitors.add_ages(resources, now)
        return doc

    def _control(self, request: JsonDict) -> JsonDict:
        assert self.node is not None
        cmd = request.get("cmd")
        if cmd == "status":
            return {"ok": True, "status": self.status_document()}
        if cmd == "reload":
            return self.reload("ha-agents reload")
        reply, outputs = self.node.admin(request, asyncio.get_running_loop().time())
        self._dispatch(outputs)
        return reply

    # -- reload --------------------------------------------------------------------------
    def reload(self, origin: str) -> JsonDict:
        self.operations.notifier.reloading()
        try:
            self.log.reopen()  # logrotate: `postrotate systemctl reload ha-agents`
            self.log.info(f"Reloading configuration from {self.ops.config_dir} ({origin})")
            found = reloading.prepare(self.ops.config_dir, self.ops.node, self.config, self.log)
            if isinstance(found, dict):
                return found
            return self._apply(found)
        finally:
            self.operations.notifier.ready(self.operations.last_status)

    def _apply(self, accepted: reloading.Accepted) -> JsonDict:
        assert self.node is not None
        new, plan = accepted.config, accepted.plan
        loop = asyncio.get_running_loop()
        self.config = self.operations.config = new
        self.node.reload(new, loop.time(), authkeys=plan.authkeys)
        if plan.media:
            self.media_task = loop.create_task(self._swap_media(new))
        changes, deferred = list(plan.changes), list(plan.deferred)
        if plan.groups:
            self.executor.reload_groups(new)
            changes.append("haresources: resource lists used from each group's next transition")
        self.pending_restart += [d for d in deferred if d not in self.pending_restart]
        reply = reloading.report(accepted, changes, deferred, self.log)
        self._arm()
        self.operations.publish([OpsEvent("reload", new.local_node, reason=", ".join(changes))])
        self.operations.status_changed()
        return reply

    async def _swap_media(self, new: ClusterConfig) -> None:
        """Open the new media first, then close the old ones (the peer keeps hearing us:
        the UDP sockets share their ports through SO_REUSEADDR)."""
        self.host = Host.read()
        try:
            links = await open_media(new.hacf.media, self.host, self._datagram)
        except (TransportError, OSError) as exc:
            text = f"reload: cannot open the new media ({exc}); keeping the old"
            self.log.log(Level.ERROR, text)
            return
        old, self.links = self.links, links
        close_links(old)
        linkctl.filter_peers(self.links, self.node, self.failover)
        if self.node is not None:
            self.node.engine.set_links(tuple(dict.fromkeys(m.link_name for m in new.hacf.media)))
        names = ", ".join(sorted({lk.link for lk in links}))
        self.log.info(f"reload: media reopened ({names})")
