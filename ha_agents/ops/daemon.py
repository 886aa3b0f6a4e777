"""EDGE: the daemon with its operations features — ``ha-agents run`` builds this.

``OpsDaemon`` extends ``daemon.loop.Daemon`` at a few points and adds:

* systemd notify (``ops/sdnotify.py``): ``READY=1`` once the configuration is checked,
  the media are open and the control socket listens (right after the engine's Start);
  ``STATUS=`` with the cluster state after every change; ``WATCHDOG=1`` from a loop
  timer at half of ``WatchdogSec``; ``RELOADING=1``/``READY=1`` around a reload;
  ``STOPPING=1`` at SIGTERM;
* user hooks on transitions (``ops/hooks.py``, ``ops/events.py``);
* the Prometheus endpoint (``status/metrics.py``, ``ops/metricsserver.py``), opt-in;
* live reload (SIGHUP or ``{"cmd": "reload"}`` on the control socket, ``ha-agents
  reload``): re-read and check the files; an invalid configuration changes nothing and
  is logged with file:line; timers, media and authkeys apply at once; see
  ``ops/reloadplan.py``;
* ``status --json`` extras: ``counters`` (dropped/forged/replayed totals) and each
  group's ``last_transition_s`` (seconds since its last local transition).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ha_agents.config.diagnostics import Severity, has_errors, render_text
from ha_agents.config.load import load_config
from ha_agents.config.model import ClusterConfig, Medium, MediumKind
from ha_agents.daemon import ifaddr
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.loop import Daemon, Paths
from ha_agents.daemon.transports import SerialLink, TransportError, UdpLink, open_udp_links
from ha_agents.daemon.upper import Executor, JsonDict, UpperLayer
from ha_agents.membership.actions import Action, Level, NodeDead, NodeReturned
from ha_agents.membership.events import Event, PacketReceived, Start
from ha_agents.ops.counters import summarize
from ha_agents.ops.events import GroupWatch, OpsEvent, from_cluster_event, status_line
from ha_agents.ops.hooks import DEFAULT_TIMEOUT_S, HookRunner
from ha_agents.ops.metricsserver import serve_metrics
from ha_agents.ops.reloadplan import ReloadPlan, plan_reload
from ha_agents.ops.sdnotify import Notifier
from ha_agents.status.metrics import DaemonMetrics
from ha_agents.wire.auth import Authenticator


@dataclass(frozen=True, slots=True)
class OpsOptions:
    config_dir: str
    node: str | None = None  # as given to ``run --node`` (reload re-reads with it)
    metrics_address: tuple[str, int] | None = None
    hooks_dir: Path | None = None
    hook_timeout_s: float = DEFAULT_TIMEOUT_S
    env: Mapping[str, str] | None = None  # NOTIFY_SOCKET, WATCHDOG_USEC (default os.environ)


class OpsDaemon(Daemon):
    def __init__(
        self,
        config: ClusterConfig,
        paths: Paths,
        log: HbLog,
        *,
        upper: UpperLayer | None = None,
        executor: Executor | None = None,
        ops: OpsOptions,
    ) -> None:
        super().__init__(config, paths, log, upper=upper, executor=executor)
        self.ops = ops
        self.notifier = Notifier(ops.env)
        self.hooks = (
            HookRunner(ops.hooks_dir, config.local_node, ops.config_dir, log, ops.hook_timeout_s)
            if ops.hooks_dir is not None
            else None
        )
        self.metrics = (
            DaemonMetrics(self.status_document, config.hacf.keepalive_ms / 1000)
            if ops.metrics_address is not None
            else None
        )
        self.groups = GroupWatch(config.local_node)
        self.metrics_server: asyncio.AbstractServer | None = None
        self.watchdog: asyncio.TimerHandle | None = None
        self.last_status = ""
        self.started = False
        self.media_task: asyncio.Task[None] | None = None

    # -- start / stop -------------------------------------------------------------------

    async def run(self) -> int:
        try:
            return await super().run()
        finally:
            if self.watchdog is not None:
                self.watchdog.cancel()
            if self.metrics_server is not None:
                self.metrics_server.close()
            if self.hooks is not None:
                await self.hooks.close()
            self.notifier.close()

    async def _open_media(self) -> None:
        await super()._open_media()
        if self.ops.metrics_address is not None and self.metrics is not None:
            host, port = self.ops.metrics_address
            try:
                self.metrics_server = await serve_metrics(host, port, self.metrics.render)
            except OSError as exc:
                self.log.log(
                    Level.ERROR, f"metrics: cannot listen on {host}:{port}: {exc.strerror or exc}"
                )
            else:
                self.log.info(f"metrics: serving http://{host}:{port}/metrics")

    def _started(self) -> None:
        """The engine has started: media open, control socket listening."""
        self.started = True
        self.last_status = status_line(self.status_document())
        self.notifier.ready(self.last_status)
        setting = self.notifier.watchdog
        if setting is not None and self.notifier.enabled:
            self.log.info(f"systemd watchdog: pinging every {setting.interval_s:g}s")
            self._watchdog_ping()

    def _watchdog_ping(self) -> None:
        setting = self.notifier.watchdog
        if setting is None or self.stop.is_set():
            return
        self.notifier.ping_watchdog()
        self.watchdog = asyncio.get_running_loop().call_later(
            setting.interval_s, self._watchdog_ping
        )

    def _sigterm(self) -> None:
        if not self.stop.is_set():
            self.notifier.stopping()
        super()._sigterm()

    # -- observing events -----------------------------------------------------------------

    def _feed(self, event: Event) -> None:
        if isinstance(event, PacketReceived) and self.metrics is not None:
            self._heartbeat(event)
        super()._feed(event)
        if isinstance(event, Start):
            self._started()

    def _heartbeat(self, event: PacketReceived) -> None:
        msg = event.message
        src, seq = msg.get("src"), msg.get("seq")
        if msg.get("t") != "status" or src is None or seq is None or self.metrics is None:
            return
        if src not in self.config.hacf.nodes or src == self.config.local_node:
            return
        try:
            number = int(seq, 16)
        except ValueError:
            return
        self.metrics.heartbeat(src, number, event.now)

    def _dispatch(self, actions: Sequence[Action], now: float) -> None:
        super()._dispatch(actions, now)
        events = []
        for action in actions:
            if self.metrics is not None and isinstance(action, NodeDead | NodeReturned):
                self.metrics.forget(action.node)
            found = from_cluster_event(action, self.config.local_node)
            if found is not None:
                events.append(found)
        self._publish(events)

    def _executor_result(self, result: object) -> None:
        super()._executor_result(result)
        if self.upper is not None:
            self._publish(self.groups.update(self.upper.status()))

    def _upper_out(self, outputs: Sequence[object]) -> None:
        super()._upper_out(outputs)
        if outputs and self.started:
            self._update_status()

    def _publish(self, events: Sequence[OpsEvent]) -> None:
        for event in events:
            if self.metrics is not None:
                self.metrics.event(event.name)
                if event.name == "group-acquired" and self._home(event.group) not in (
                    None,
                    self.config.local_node,
                ):
                    self.metrics.takeover(event.group)
            if self.hooks is not None:
                self.hooks.submit(event)
        if events and self.started:
            self._update_status()

    def _home(self, key: str) -> str | None:
        return next((g.node for g in self.config.groups if g.key == key), None)

    def _update_status(self) -> None:
        if self.engine is None:
            return
        line = status_line(self.status_document())
        if line != self.last_status:
            self.last_status = line
            self.notifier.status(line)

    # -- status and control ---------------------------------------------------------------

    def status_document(self) -> JsonDict:
        doc = super().status_document()
        dropped = doc.get("dropped")
        doc["counters"] = summarize(dropped if isinstance(dropped, dict) else {})
        resources = doc.get("resources")
        groups = resources.get("groups") if isinstance(resources, dict) else None
        now = asyncio.get_running_loop().time()
        for group in groups if isinstance(groups, list) else []:
            since = group.get("since") if isinstance(group, dict) else None
            if isinstance(group, dict):
                group["last_transition_s"] = (
                    round(now - since, 3) if isinstance(since, int | float) else None
                )
        return doc

    def _control(self, request: JsonDict) -> JsonDict:
        if request.get("cmd") == "reload":
            return self.reload("ha-agents reload")
        return super()._control(request)

    def _sighup(self) -> None:
        self.reload("SIGHUP")

    # -- reload ---------------------------------------------------------------------------

    def reload(self, origin: str) -> JsonDict:
        self.notifier.reloading()
        try:
            return self._reload(origin)
        finally:
            self.notifier.ready(self.last_status)

    def _reload(self, origin: str) -> JsonDict:
        self.log.reopen()  # logrotate: `postrotate systemctl reload ha-agents`
        self.log.info(f"Reloading configuration from {self.ops.config_dir} ({origin})")
        new, diags = load_config(self.ops.config_dir, self.ops.node)
        text = render_text(diags)
        for diag in diags:
            level = Level.ERROR if diag.severity is Severity.ERROR else Level.WARN
            for line in render_text([diag]).splitlines():
                self.log.log(level, f"reload: {line}")
        if new is None or has_errors(diags):
            self.log.log(
                Level.ERROR, "Configuration reload failed; running configuration unchanged"
            )
            return {
                "ok": False,
                "error": "configuration has errors; nothing changed",
                "diagnostics": text,
            }
        plan = plan_reload(self.config, new)
        if not plan.ok:
            for reason in plan.refused:
                self.log.log(Level.ERROR, f"reload refused: {reason}")
            self.log.log(
                Level.ERROR, "Configuration reload refused; running configuration unchanged"
            )
            return {"ok": False, "error": "; ".join(plan.refused), "diagnostics": text}
        problem = self._check_media(new) if plan.media else None
        if problem is not None:
            self.log.log(Level.ERROR, f"reload: {problem}; running configuration unchanged")
            return {"ok": False, "error": problem, "diagnostics": text}
        changes, deferred = self._apply(new, plan)
        warnings = [d for d in diags if d.severity is Severity.WARNING]
        return {
            "ok": True,
            "changes": changes,
            "deferred": deferred,
            "warnings": len(warnings),
            "diagnostics": text,
        }

    def _check_media(self, new: ClusterConfig) -> str | None:
        infos = ifaddr.interfaces()
        for m in new.hacf.media:
            if m.kind is not MediumKind.SERIAL and m.dev not in infos:
                return f"{m.kind.value} {m.dev}: no such interface"
        return None

    def _apply(self, new: ClusterConfig, plan: ReloadPlan) -> tuple[list[str], list[str]]:
        assert self.engine is not None and self.out is not None
        self.config = new
        self.engine.retime(new, asyncio.get_running_loop().time())
        if plan.authkeys:
            self.out.auth = Authenticator(new.authkeys)
        if plan.media:
            self.media_task = asyncio.get_running_loop().create_task(self._swap_media(new))
        changes, deferred = list(plan.changes), list(plan.deferred)
        if plan.groups:
            reload_groups = getattr(self.executor, "reload_groups", None)
            if callable(reload_groups):
                reload_groups(new)
                changes.append("haresources: resource lists used from each group's next transition")
            else:
                deferred.append("haresources changed")
        for change in changes:
            self.log.info(f"reload: {change}")
        for item in deferred:
            self.log.log(Level.WARN, f"reload: {item}: takes effect when ha-agents restarts")
        if not changes:
            self.log.info("reload: no change")
        self.log.info("Configuration reloaded")
        self._arm()
        self._publish([OpsEvent("reload", new.local_node, reason=", ".join(changes))])
        return changes, deferred

    async def _swap_media(self, new: ClusterConfig) -> None:
        """Open the new media first, then close the old ones (the peer keeps hearing us:
        the UDP sockets share their ports through SO_REUSEADDR)."""
        self.infos = ifaddr.interfaces()
        self.local_addrs = ifaddr.local_addresses(self.infos) | {"127.0.0.1"}
        udp: list[Medium] = [m for m in new.hacf.media if m.kind is not MediumKind.SERIAL]
        links: list[UdpLink | SerialLink] = []
        try:
            for m in new.hacf.media:
                if m.kind is MediumKind.SERIAL:
                    links.append(SerialLink(m, self._datagram))
            links.extend(await open_udp_links(udp, self.infos, self.local_addrs, self._datagram))
        except (TransportError, OSError) as exc:
            for link in links:
                link.close()
            self.log.log(Level.ERROR, f"reload: cannot open the new media ({exc}); keeping the old")
            return
        old_links, self.links = self.links, links
        for link in old_links:
            with contextlib.suppress(Exception):
                link.close()
        if self.engine is not None:
            self.engine.set_links(tuple(dict.fromkeys(m.link_name for m in new.hacf.media)))
        names = ", ".join(sorted({lk.link for lk in links}))
        self.log.info(f"reload: media reopened ({names})")
