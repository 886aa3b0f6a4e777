"""What ``rscstatus`` and ``ha-agents status`` show about resources (pure values)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupStatus:
    key: str
    home: str
    state: str  # GroupState value on this node
    owner: str | None  # the node holding it, as far as this node knows
    since: float | None  # monotonic time of the last transition here


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    """One monitored resource (failover.cf ``monitor``) as this node sees it."""

    group: str
    resource: str
    state: str  # the group's watch state: idle, watching, restarting, moving, gave-up
    interval: float
    timeout: float
    last_check_at: float | None  # monotonic time the last check ended
    last_result: str | None  # running, stopped, failed
    last_detail: str
    last_duration: float | None
    failures: int  # within the window
    checks_total: int
    failures_total: int
    restarts_total: int
    refused_here: bool  # handed away after failing: not taken back within the window

    def as_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "resource": self.resource,
            "state": self.state,
            "interval_s": self.interval,
            "timeout_s": self.timeout,
            "last_check_at": self.last_check_at,
            "last_result": self.last_result,
            "last_detail": self.last_detail,
            "last_duration_s": self.last_duration,
            "failures": self.failures,
            "checks_total": self.checks_total,
            "failures_total": self.failures_total,
            "restarts_total": self.restarts_total,
            "refused_here": self.refused_here,
        }


@dataclass(frozen=True, slots=True)
class FailoverStatus:
    rscstatus: str  # all | local | foreign | none | transition (cl_status rscstatus)
    phase: str
    standby: str | None  # e.g. "initiator all wait_other"
    ping_reachable: bool
    groups: tuple[GroupStatus, ...]
    monitors: tuple[MonitorStatus, ...] = ()  # only with failover.cf ``monitor`` lines

    def as_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "rscstatus": self.rscstatus,
            "phase": self.phase,
            "standby": self.standby,
            "ping_reachable": self.ping_reachable,
            "groups": [
                {"key": g.key, "home": g.home, "state": g.state, "owner": g.owner, "since": g.since}
                for g in self.groups
            ],
        }
        if self.monitors:
            doc["monitors"] = [m.as_dict() for m in self.monitors]
        return doc
