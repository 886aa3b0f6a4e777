"""Builders for the failover tests: a two-node ``ClusterConfig`` (Patroni-style
factory) and the virtual cluster of node/cluster.py on it — the real membership engine
and failover manager of every node, on a virtual clock."""

from __future__ import annotations

from collections.abc import Mapping

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import (
    AuthKey,
    AuthKeys,
    AuthMethod,
    AutoFailback,
    ClusterConfig,
    HaCf,
    Location,
    Medium,
    MediumKind,
    PingNode,
    ResourceGroup,
    ResourceSpec,
)
from ha_agents.node.cluster import VirtualCluster

LOC = Location("test", 1)
NODES = ("node1", "node2")


def make_config(
    local: str,
    nodes: tuple[str, ...] = NODES,
    groups: tuple[tuple[str, str], ...] = (("node1", "IPaddr::192.0.2.50"),),
    auto_failback: AutoFailback = AutoFailback.ON,
    keepalive_ms: int = 100,
    deadtime_ms: int = 500,
    initdead_ms: int = 1000,
    ping: bool = False,
) -> ClusterConfig:
    hacf = HaCf(
        nodes=nodes,
        media=(Medium(MediumKind.BCAST, "eth0", LOC),),
        keepalive_ms=keepalive_ms,
        deadtime_ms=deadtime_ms,
        initdead_ms=initdead_ms,
        auto_failback=auto_failback,
        ping_nodes=(PingNode("192.0.2.1", ("192.0.2.1",), LOC),) if ping else (),
    )
    keys = AuthKeys(1, {1: AuthKey(1, AuthMethod.SHA1, b"k", LOC)})
    rgs = tuple(
        ResourceGroup(home, (ResourceSpec(text.split("::")[0], (), text, LOC),), LOC)
        for home, text in groups
    )
    return ClusterConfig("conf", hacf, keys, rgs, local)


def make_cluster(
    options: Mapping[str, FailoverOptions] | None = None,
    nodes: tuple[str, ...] = NODES,
    op_delay: float = 0.05,
    **kw: object,
) -> VirtualCluster:
    """Every node of a ``make_config(**kw)`` cluster, not started."""
    configs = {n: make_config(n, nodes=nodes, **kw) for n in nodes}  # type: ignore[arg-type]
    return VirtualCluster(configs, options=options, op_delay=op_delay)
