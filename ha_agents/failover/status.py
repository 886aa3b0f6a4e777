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
class FailoverStatus:
    rscstatus: str  # all | local | foreign | none | transition (cl_status rscstatus)
    phase: str
    standby: str | None  # e.g. "initiator all wait_other"
    ping_reachable: bool
    groups: tuple[GroupStatus, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "rscstatus": self.rscstatus,
            "phase": self.phase,
            "standby": self.standby,
            "ping_reachable": self.ping_reachable,
            "groups": [
                {"key": g.key, "home": g.home, "state": g.state, "owner": g.owner, "since": g.since}
                for g in self.groups
            ],
        }
