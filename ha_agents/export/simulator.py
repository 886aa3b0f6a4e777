"""Predict a failover from the config: every node's real ``Node`` (membership + failover,
node/node.py) on the virtual cluster of node/cluster.py, which models the network, the
scripts (``script_duration_s`` per resource, or ``durations`` per script name) and the
clients: a group is *served* from the end of its start until the start of its stop (or
until its node crashes / is cut off).  The client-visible outage of a group is the time
after the fault during which no node serves it.

Faults (on ``node``, once the cluster is stable, half a keepalive after that node's last
heartbeat, the average case): ``kill`` (the node and its services vanish, like power
loss), ``hang`` (the daemon freezes, its services keep running), ``linkdown`` (every link
of the node is cut, clients cannot reach it either; or one ``link``: clients are on the
first link of ha.cf), ``stop`` (clean shutdown), ``standby`` (``ha-agents standby all``);
``service-kill`` / ``service-hang`` (the last resource of the node's first group dies, or
hangs: with failover.cf ``monitor`` lines it is restarted in place or its group moves;
without, it stays dead, as under Heartbeat).

Pure: no clock, no sockets, no scripts.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.membership.engine import EARLY_DT_S
from ha_agents.node.cluster import Entry, VirtualCluster
from ha_agents.node.services import ServiceFault


class Fault(enum.Enum):
    KILL = "kill"
    HANG = "hang"
    LINKDOWN = "linkdown"
    STOP = "stop"
    STANDBY = "standby"
    SERVICE_KILL = "service-kill"
    SERVICE_HANG = "service-hang"


@dataclass(frozen=True, slots=True)
class Outage:
    key: str
    down_at: float  # seconds after the fault
    up_at: float | None  # None: not serving again within the horizon
    up_on: str | None

    @property
    def duration(self) -> float | None:
        return None if self.up_at is None else self.up_at - self.down_at


@dataclass(frozen=True, slots=True)
class Prediction:
    fault: Fault
    node: str
    fault_at: float  # virtual time of the fault (timeline times are relative to it)
    detected_at: float | None  # when a peer declared the node dead (relative)
    outages: tuple[Outage, ...]
    split_brain: tuple[str, ...]  # groups served by two nodes at once after the fault
    timeline: tuple[Entry, ...]
    settled: bool  # the cluster was stable before the fault
    # (group, node, seconds after the fault): a node that did not serve the group at the
    # fault finished starting it
    takeovers: tuple[tuple[str, str, float], ...] = ()
    link: str | None = None  # linkdown of this one link (None: every link)


def simulation(
    config: ClusterConfig,
    script_duration_s: float = 0.2,
    latency_s: float = 0.0005,
    durations: Mapping[str, float] | None = None,
    options: FailoverOptions | None = None,
) -> VirtualCluster:
    """Every node of ``config`` in one virtual cluster (not started); every node gets the
    same failover.cf ``options``."""
    configs = {n: replace(config, local_node=n) for n in config.hacf.nodes}
    opts = {n: options or FailoverOptions() for n in configs}
    return VirtualCluster(
        configs, options=opts, op_delay=script_duration_s, durations=durations, latency=latency_s
    )


def stable(sim: VirtualCluster) -> bool:
    """Every group served by exactly one node and nothing in progress."""
    return not sim.busy() and all(len(sim.serving.get(k, ())) == 1 for k in sim.groups)


def _last_status_sent(sim: VirtualCluster, name: str) -> float | None:
    node = sim.members[name].node
    return None if node is None else node.engine.last_status_sent


def predict(
    config: ClusterConfig,
    fault: Fault,
    node: str,
    script_duration_s: float = 0.2,
    latency_s: float = 0.0005,
    durations: Mapping[str, float] | None = None,
    link: str | None = None,
    options: FailoverOptions | None = None,
) -> Prediction:
    """Start every node, wait until stable, inject ``fault`` on ``node``, watch.

    ``durations``: seconds per script name (``IPaddr``, ``lighttpd``...) overriding
    ``script_duration_s`` for those scripts.  ``link``: the one link ``linkdown`` cuts.
    ``options``: failover.cf (monitoring).
    """
    sim = simulation(config, script_duration_s, latency_s, durations, options)
    for name in sim.members:
        sim.start(name)
    hacf = config.hacf
    longest = max([script_duration_s, *(durations or {}).values()])
    ops = sum(len(g.resources) for g in sim.groups.values()) * longest
    limit = hacf.effective_initdead_ms / 1000 + hacf.deadtime_ms / 1000 + 2 * ops + 10
    step = hacf.keepalive_ms / 1000 / 4
    settled = False
    while sim.now < limit:
        sim.run_until(sim.now + step)
        if stable(sim):
            settled = True
            break
    keepalive = hacf.keepalive_ms / 1000
    # Past the start-up window in which Heartbeat announces a longer deadtime (dt=), and
    # a few keepalives of steady state.
    sim.run_until(max(sim.now, EARLY_DT_S) + 2 * keepalive)
    last = _last_status_sent(sim, node)
    fault_at = (last if last is not None else sim.now) + keepalive / 2
    while fault_at < sim.now:
        fault_at += keepalive
    sim.run_until(fault_at)
    sim.timeline.clear()
    _inject(sim, fault, node, link)
    horizon = fault_at + hacf.deadtime_ms / 1000 + keepalive * 4 + 2 * ops + 5
    if fault in (Fault.SERVICE_KILL, Fault.SERVICE_HANG) and options and options.monitors:
        check = max(m.interval_s + m.timeout_s for m in options.monitors)
        horizon += 2 * (check + 2 * ops) + (options.standby_timeout_s or 2.0)
    sim.run_until(horizon)
    return replace(_prediction(sim, fault, node, fault_at, settled), link=link)


def _inject(sim: VirtualCluster, fault: Fault, node: str, link: str | None = None) -> None:
    sim.log(node, f"FAULT: {fault.value}" + (f" of link {link}" if link else ""))
    if fault is Fault.KILL:
        sim.power_off(node)
    elif fault is Fault.HANG:
        sim.freeze(node)
    elif fault is Fault.LINKDOWN:
        sim.cut(node, link)
    elif fault is Fault.STOP:
        sim.stop(node)
    elif fault in (Fault.SERVICE_KILL, Fault.SERVICE_HANG):
        held = [k for k in sim.groups if node in sim.owners(k)]
        how = ServiceFault.DEAD if fault is Fault.SERVICE_KILL else ServiceFault.HUNG
        if held:
            sim.kill_service(node, held[0], -1, how)
    else:
        reply = sim.admin(node, {"cmd": "standby", "which": "all"})
        sim.log(node, f"standby: {reply.get('message') or reply.get('error') or ''}")


def _prediction(
    sim: VirtualCluster, fault: Fault, node: str, fault_at: float, settled: bool
) -> Prediction:
    detected = next(
        (
            t - fault_at
            for t, obs, dead in sim.dead_seen
            if dead == node and t >= fault_at and obs != node
        ),
        None,
    )
    outages: list[Outage] = []
    for key in sim.groups:
        outages += _outages(sim.history, key, fault_at)
    split = [
        k
        for k in sim.groups
        if any(len(o) > 1 for t, g, o in sim.holders if g == k and t >= fault_at)
    ]
    timeline = tuple(replace(e, t=e.t - fault_at) for e in sim.timeline)
    return Prediction(
        fault,
        node,
        fault_at,
        detected,
        tuple(outages),
        tuple(split),
        timeline,
        settled,
        tuple(_takeovers(sim, fault_at)),
    )


def _outages(
    history: list[tuple[float, str, frozenset[str]]], key: str, fault_at: float
) -> list[Outage]:
    """When no node served ``key`` after the fault, and who served it again."""
    before = [s for t, k, s in history if k == key and t < fault_at]
    down_at: float | None = None if (before and before[-1]) else 0.0
    out: list[Outage] = []
    for t, k, servers in history:
        if k != key or t < fault_at:
            continue
        if not servers and down_at is None:
            down_at = t - fault_at
        elif servers and down_at is not None:
            out.append(Outage(key, down_at, t - fault_at, sorted(servers)[0]))
            down_at = None
    if down_at is not None:
        out.append(Outage(key, down_at, None, None))
    return out


def _takeovers(sim: VirtualCluster, fault_at: float) -> list[tuple[str, str, float]]:
    """(group, node, seconds after the fault): a node that did not hold the group at the
    fault finished starting it."""
    out: list[tuple[str, str, float]] = []
    for key in sim.groups:
        before = [o for t, k, o in sim.holders if k == key and t < fault_at]
        seen = set(before[-1]) if before else set()
        for t, k, owners in sim.holders:
            if k == key and t >= fault_at:
                for new in sorted(owners - seen):
                    out.append((key, new, t - fault_at))
                seen |= owners
    return out
