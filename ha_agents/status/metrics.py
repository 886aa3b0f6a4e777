"""Prometheus metrics of a running daemon (prometheus-client, our own registry).

Gauges are computed at scrape time from the status document (the same one
``ha-agents status --json`` prints), so they can never disagree with it; the heartbeat
inter-arrival histogram and the event counters are fed by the daemon as things happen.

==============================================  ==========================================
metric                                          meaning
==============================================  ==========================================
ha_agents_info{node,version}                    1
ha_agents_local_active                          1 when this node's status is ``active``
ha_agents_node_up{node}                         1 unless the node is ``dead``
ha_agents_node_last_heard_seconds{node}         age of the last packet from a peer
ha_agents_link_up{node,link}                    1 when the link to that node is ``up``
ha_agents_link_last_heard_seconds{node,link}    age of the last packet on that link
ha_agents_group_running_here{group,home}        1 when the group runs on this node
ha_agents_group_state{group,state}              1 for the group's current local state
ha_agents_packets_dropped_total{reason}         dropped packets by reason
ha_agents_packets_forged_total                  failed signature/identity checks
ha_agents_packets_replayed_total                old-generation (replayed) packets
ha_agents_heartbeat_interarrival_seconds{node}  histogram of the gaps between a peer's
                                                successive status messages
ha_agents_events_total{event}                   node-dead, group-acquired, ... (ops/events)
ha_agents_takeovers_total{group}                a group started here whose home is another
                                                node (a failover to us)
ha_agents_resource_monitor_up{group,resource}   1 when the last check said running
ha_agents_resource_monitor_last_check_seconds   age of the last check
  {group,resource}
ha_agents_resource_monitor_duration_seconds     how long the last check took
  {group,resource}
ha_agents_resource_monitor_checks_total         checks, failed checks and restarts in
ha_agents_resource_monitor_failures_total       place of a monitored resource (failover.cf
ha_agents_resource_restarts_total               ``monitor``; only resources it names)
  {group,resource}
==============================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from ha_agents.status.counters import FORGED, NOT_DROPS, REPLAYED

JsonDict = dict[str, object]
DocProvider = Callable[[], JsonDict]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _dicts(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def interarrival_buckets(keepalive_s: float) -> tuple[float, ...]:
    """Buckets around the keepalive: on time, a little late, warn-late, very late."""
    factors = (0.5, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)
    return tuple(round(keepalive_s * f, 6) for f in factors)


class _DocCollector(Collector):
    def __init__(self, provider: DocProvider) -> None:
        self.provider = provider

    def collect(self) -> Iterator[Metric]:
        doc = self.provider()
        info = GaugeMetricFamily("ha_agents_info", "ha_agents daemon", labels=["node", "version"])
        info.add_metric([str(doc.get("node")), str(doc.get("version"))], 1)
        yield info
        yield GaugeMetricFamily(
            "ha_agents_local_active",
            "1 when this node's status is active",
            value=1 if doc.get("status") == "active" else 0,
        )
        yield from self._nodes(doc)
        yield from self._groups(doc)
        yield from _monitors(doc)
        yield from self._packets(doc)

    def _nodes(self, doc: JsonDict) -> Iterator[Metric]:
        up = GaugeMetricFamily("ha_agents_node_up", "1 unless the node is dead", labels=["node"])
        heard = GaugeMetricFamily(
            "ha_agents_node_last_heard_seconds", "age of the last packet", labels=["node"]
        )
        link_up = GaugeMetricFamily(
            "ha_agents_link_up", "1 when the heartbeat link is up", labels=["node", "link"]
        )
        link_heard = GaugeMetricFamily(
            "ha_agents_link_last_heard_seconds",
            "age of the last packet on the link",
            labels=["node", "link"],
        )
        for node in _dicts(doc.get("nodes")):
            name = str(node.get("name"))
            up.add_metric([name], 0 if node.get("status") == "dead" else 1)
            age = _num(node.get("last_heard_s"))
            if age is not None and not node.get("local"):
                heard.add_metric([name], age)
            for link in _dicts(node.get("links")):
                lname = str(link.get("name"))
                link_up.add_metric([name, lname], 1 if link.get("status") == "up" else 0)
                lage = _num(link.get("last_heard_s"))
                if lage is not None:
                    link_heard.add_metric([name, lname], lage)
        yield from (up, heard, link_up, link_heard)

    def _groups(self, doc: JsonDict) -> Iterator[Metric]:
        running = GaugeMetricFamily(
            "ha_agents_group_running_here",
            "1 when the resource group runs on this node",
            labels=["group", "home"],
        )
        state = GaugeMetricFamily(
            "ha_agents_group_state", "the group's local state", labels=["group", "state"]
        )
        resources = doc.get("resources")
        groups = _dicts(resources.get("groups")) if isinstance(resources, Mapping) else []
        for group in groups:
            key = str(group.get("key"))
            current = str(group.get("state"))
            running.add_metric([key, str(group.get("home"))], 1 if current == "running" else 0)
            for name in ("stopped", "starting", "running", "stopping", "failed"):
                state.add_metric([key, name], 1 if name == current else 0)
        yield from (running, state)

    def _packets(self, doc: JsonDict) -> Iterator[Metric]:
        raw = doc.get("dropped")
        counters = {str(k): int(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
        dropped = CounterMetricFamily(
            "ha_agents_packets_dropped", "dropped packets by reason", labels=["reason"]
        )
        for reason, n in sorted(counters.items()):
            if reason not in NOT_DROPS:
                dropped.add_metric([reason], n)
        yield dropped
        yield CounterMetricFamily(
            "ha_agents_packets_forged",
            "packets failing a signature or identity check",
            value=sum(n for r, n in counters.items() if r in FORGED),
        )
        yield CounterMetricFamily(
            "ha_agents_packets_replayed",
            "packets from an old generation (replays)",
            value=sum(n for r, n in counters.items() if r in REPLAYED),
        )


def _monitors(doc: JsonDict) -> Iterator[Metric]:
    labels = ["group", "resource"]
    up = GaugeMetricFamily(
        "ha_agents_resource_monitor_up", "1 when the last check said running", labels=labels
    )
    age = GaugeMetricFamily(
        "ha_agents_resource_monitor_last_check_seconds", "age of the last check", labels=labels
    )
    took = GaugeMetricFamily(
        "ha_agents_resource_monitor_duration_seconds", "duration of the last check", labels=labels
    )
    counts = {
        key: CounterMetricFamily(name, text, labels=labels)
        for key, name, text in (
            ("checks_total", "ha_agents_resource_monitor_checks", "checks of the resource"),
            ("failures_total", "ha_agents_resource_monitor_failures", "failed checks"),
            ("restarts_total", "ha_agents_resource_restarts", "restarts in place"),
        )
    }
    resources = doc.get("resources")
    rows = _dicts(resources.get("monitors")) if isinstance(resources, Mapping) else []
    for row in rows:
        names = [str(row.get("group")), str(row.get("resource"))]
        up.add_metric(names, 1 if row.get("last_result") == "running" else 0)
        for family, value in ((age, row.get("last_check_s")), (took, row.get("last_duration_s"))):
            number = _num(value)
            if number is not None:
                family.add_metric(names, number)
        for key, counter in counts.items():
            counter.add_metric(names, _num(row.get(key)) or 0)
    yield from (up, age, took, *counts.values())


class DaemonMetrics:
    def __init__(self, provider: DocProvider, keepalive_s: float) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_DocCollector(provider))
        self.interarrival = Histogram(
            "ha_agents_heartbeat_interarrival_seconds",
            "gaps between a peer's successive status messages",
            ["node"],
            buckets=interarrival_buckets(keepalive_s),
            registry=self.registry,
        )
        self.events = Counter(
            "ha_agents_events", "cluster events (ops/events.py)", ["event"], registry=self.registry
        )
        self.takeovers = Counter(
            "ha_agents_takeovers",
            "groups started here whose home is another node",
            ["group"],
            registry=self.registry,
        )
        self._last: dict[str, tuple[int, float]] = {}

    def heartbeat(self, node: str, seq: int, now: float) -> None:
        """A status message from ``node`` arrived (duplicates on a second link ignored)."""
        last = self._last.get(node)
        if last is not None and seq == last[0]:
            return
        if last is not None and seq > last[0]:
            self.interarrival.labels(node).observe(max(0.0, now - last[1]))
        self._last[node] = (seq, now)

    def forget(self, node: str) -> None:
        """The peer died or restarted: the next gap is not an inter-arrival time."""
        self._last.pop(node, None)

    def event(self, name: str) -> None:
        self.events.labels(name).inc()

    def takeover(self, group: str) -> None:
        self.takeovers.labels(group).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
