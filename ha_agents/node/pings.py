"""The ping nodes as the resource manager's tie-breaker (pure).

Ping nodes are cluster members (membership/pingnodes.py: an ICMP echo reply is their
heartbeat).  Unless ha.cf runs ipfail, whether any ping node answers is the failover
manager's ``PingStatus`` (docs/failover.md, "Ping tie-breaker"); with ipfail, as under
Heartbeat, ipfail alone acts on ping nodes, through the client API.
"""

from __future__ import annotations

import os

from ha_agents.config.model import ClusterConfig
from ha_agents.failover.events import PingStatus
from ha_agents.membership import actions as ma
from ha_agents.membership.states import NodeStatus


def runs_ipfail(config: ClusterConfig) -> bool:
    entries = (*config.hacf.respawn, *config.hacf.failfast)
    return any(os.path.basename(cmd) == "ipfail" for _user, cmd, _args in entries)


class PingWatch:
    def __init__(self, config: ClusterConfig) -> None:
        pings = [p for p in config.hacf.ping_nodes if not p.ipv6]
        self.names = {p.name for p in config.hacf.ping_nodes}
        self.tie_breaker = bool(pings) and not runs_ipfail(config)
        self.up: dict[str, bool] = {}

    def observe(self, action: object, now: float) -> PingStatus | None:
        """The manager's PingStatus when a ping node's change flips reachability."""
        if not isinstance(action, ma.NodeStatusChanged) or action.node not in self.names:
            return None
        before = any(self.up.values()) if self.up else None
        self.up[action.node] = action.new is NodeStatus.PING
        after = any(self.up.values())
        if self.tie_breaker and before != after and (before is not None or not after):
            return PingStatus(after, now)
        return None
