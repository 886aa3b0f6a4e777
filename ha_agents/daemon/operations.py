"""EDGE: what the daemon tells the world besides its log — systemd notify (READY,
STATUS=, WATCHDOG=1, RELOADING, STOPPING; daemon/sdnotify.py), the user's hooks on
cluster events (daemon/hooks.py), and the opt-in Prometheus endpoint
(status/metrics.py served by daemon/metricsserver.py).

The daemon hands it the node's outputs (``observe``), each peer heartbeat
(``heartbeat``), the resource status after every executor result (``groups``) and the
status document whenever something changed (``status_changed``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from ha_agents.config.model import ClusterConfig
from ha_agents.daemon.hooks import HookRunner
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.metricsserver import serve_metrics
from ha_agents.daemon.opsoptions import OpsOptions
from ha_agents.daemon.sdnotify import Notifier
from ha_agents.membership.actions import NodeDead, NodeReturned
from ha_agents.notice import Level
from ha_agents.status.events import GroupWatch, OpsEvent, from_cluster_event, status_line

if TYPE_CHECKING:  # prometheus-client (~12 MB) is imported only with --metrics-address
    from ha_agents.status.metrics import DaemonMetrics

JsonDict = dict[str, object]
__all__ = ["Operations", "OpsOptions"]


class Operations:
    def __init__(
        self,
        config: ClusterConfig,
        log: HbLog,
        ops: OpsOptions,
        document: Callable[[], JsonDict],
    ) -> None:
        self.config = config
        self.log = log
        self.ops = ops
        self.document = document
        self.notifier = Notifier(ops.env)
        self.hooks = (
            HookRunner(ops.hooks_dir, config.local_node, ops.config_dir, log, ops.hook_timeout_s)
            if ops.hooks_dir is not None
            else None
        )
        self.metrics: DaemonMetrics | None = None
        if ops.metrics_address is not None:
            from ha_agents.status.metrics import DaemonMetrics

            self.metrics = DaemonMetrics(document, config.hacf.keepalive_ms / 1000)
        self.group_watch = GroupWatch(config.local_node)
        self.metrics_server: asyncio.AbstractServer | None = None
        self.watchdog: asyncio.TimerHandle | None = None
        self.last_status = ""
        self.started = False

    # -- life cycle ----------------------------------------------------------------------
    async def open(self) -> None:
        if self.ops.metrics_address is None or self.metrics is None:
            return
        host, port = self.ops.metrics_address
        try:
            self.metrics_server = await serve_metrics(host, port, self.metrics.render)
        except OSError as exc:
            text = f"metrics: cannot listen on {host}:{port}: {exc.strerror or exc}"
            self.log.log(Level.ERROR, text)
        else:
            self.log.info(f"metrics: serving http://{host}:{port}/metrics")

    def ready(self) -> None:
        """The node has started: media open, control socket listening."""
        self.started = True
        self.last_status = status_line(self.document())
        self.notifier.ready(self.last_status)
        setting = self.notifier.watchdog
        if setting is not None and self.notifier.enabled:
            self.log.info(f"systemd watchdog: pinging every {setting.interval_s:g}s")
            self._watchdog_ping()

    def stopping(self) -> None:
        self.notifier.stopping()
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None

    async def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        if self.metrics_server is not None:
            self.metrics_server.close()
        if self.hooks is not None:
            await self.hooks.close()
        self.notifier.close()

    def _watchdog_ping(self) -> None:
        setting = self.notifier.watchdog
        if setting is None:
            return
        self.notifier.ping_watchdog()
        loop = asyncio.get_running_loop()
        self.watchdog = loop.call_later(setting.interval_s, self._watchdog_ping)

    # -- observations --------------------------------------------------------------------
    def heartbeat(self, node: str, seq: int, now: float) -> None:
        if self.metrics is not None:
            self.metrics.heartbeat(node, seq, now)

    def observe(self, outputs: Iterable[object]) -> None:
        """The node's cluster events become operator events (hooks, metrics)."""
        events = []
        for item in outputs:
            if self.metrics is not None and isinstance(item, NodeDead | NodeReturned):
                self.metrics.forget(item.node)
            found = from_cluster_event(item, self.config.local_node)
            if found is not None:
                events.append(found)
        self.publish(events)

    def groups(self, resources: Mapping[str, object] | None) -> None:
        self.publish(self.group_watch.update(resources))

    def publish(self, events: Iterable[OpsEvent]) -> None:
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

    def status_changed(self) -> None:
        """Something may have changed: tell systemd the new one-line status, if new (the
        status document is only built when systemd listens)."""
        if not self.started or not self.notifier.enabled:
            return
        line = status_line(self.document())
        if line != self.last_status:
            self.last_status = line
            self.notifier.status(line)

    def _home(self, key: str) -> str | None:
        return next((g.node for g in self.config.groups if g.key == key), None)
