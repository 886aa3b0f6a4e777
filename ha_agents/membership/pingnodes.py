"""Ping nodes (ha.cf ``ping HOST`` / ``ping_group NAME HOST...``) as cluster members,
as Heartbeat has them: node type ``ping``, status ``ping`` while an address answers
ICMP echo, ``dead`` after ``deadping`` without an answer, and one link named after the
node, ``up``/``dead`` with it.  Pure: the daemon sends the echoes and feeds
``PingHeard(host)``; this decides.

Facts (docs/api.md, "Ping nodes"; observed on Heartbeat 3.0.6): a ping node never
answered is ``dead`` once initdead is over; its log lines are ``Link H:H up.``,
``Status update for node H: status ping``, ``node H: is dead``, ``Link H:H dead.``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.config.model import PingNode
from ha_agents.membership import notices
from ha_agents.membership.actions import Action, LinkStateChanged, NodeStatusChanged
from ha_agents.membership.snapshot import LinkView, NodeView
from ha_agents.membership.states import LinkStatus, NodeStatus

EPS = 1e-6


@dataclass(slots=True)
class PingRecord:
    name: str
    hosts: tuple[str, ...]
    status: NodeStatus = NodeStatus.INIT
    link: LinkStatus = LinkStatus.DEAD
    last_heard: float | None = None


class PingNodes:
    def __init__(self, nodes: tuple[PingNode, ...], deadping_s: float, initdead_s: float):
        self.records = {p.name: PingRecord(p.name, p.hosts) for p in nodes if not p.ipv6}
        self.by_host: dict[str, list[PingRecord]] = {}
        for rec in self.records.values():
            for host in rec.hosts:
                self.by_host.setdefault(host, []).append(rec)
        self.deadping_s = deadping_s
        self.initdead_s = initdead_s
        self.started_at: float | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self.by_host)

    def start(self, now: float) -> None:
        self.started_at = now

    def heard(self, host: str, now: float) -> list[Action]:
        out: list[Action] = []
        for rec in self.by_host.get(host, ()):
            rec.last_heard = now
            if rec.link is not LinkStatus.UP:
                rec.link = LinkStatus.UP
                out.append(notices.link_up(rec.name, rec.name))
                out.append(LinkStateChanged(rec.name, rec.name, LinkStatus.UP, "echo reply"))
            if rec.status is not NodeStatus.PING:
                old, rec.status = rec.status, NodeStatus.PING
                out.append(notices.peer_status(rec.name, "ping"))
                out.append(NodeStatusChanged(rec.name, old, NodeStatus.PING, "echo reply"))
        return out

    def _due(self, rec: PingRecord) -> float | None:
        if rec.status is NodeStatus.DEAD or self.started_at is None:
            return None
        if rec.last_heard is None:
            return self.started_at + max(self.initdead_s, self.deadping_s)
        return rec.last_heard + self.deadping_s

    def tick(self, now: float) -> list[Action]:
        out: list[Action] = []
        for rec in self.records.values():
            due = self._due(rec)
            if due is None or now + EPS < due:
                continue
            old, rec.status = rec.status, NodeStatus.DEAD
            out.append(notices.peer_dead(rec.name))
            out.append(NodeStatusChanged(rec.name, old, NodeStatus.DEAD, "no echo reply"))
            if rec.link is LinkStatus.UP:
                rec.link = LinkStatus.DEAD
                out.append(notices.link_dead(rec.name, rec.name))
                out.append(LinkStateChanged(rec.name, rec.name, LinkStatus.DEAD, "no echo reply"))
        return out

    def next_deadline(self) -> float | None:
        times = [t for t in (self._due(r) for r in self.records.values()) if t is not None]
        return min(times) if times else None

    def retime(self, deadping_s: float) -> None:
        self.deadping_s = deadping_s

    def views(self, now: float) -> list[NodeView]:
        out = []
        for rec in self.records.values():
            age = None if rec.last_heard is None else now - rec.last_heard
            link = LinkView(rec.name, rec.link, age, rec.hosts[0] if rec.hosts else None)
            out.append(
                NodeView(rec.name, rec.status.value, "ping", (link,), age, None, None, "ping")
            )
        return out
