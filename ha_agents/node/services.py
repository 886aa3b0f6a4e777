"""The executor of the virtual cluster (node/cluster.py), modelled: what daemon/executor.py
does with real scripts, on the virtual clock.

* a group start runs its resources left to right, a stop right to left, each taking its
  script's duration (``durations`` per script name, else ``op_delay``); a start fails
  when ``(node, group)`` is in the cluster's ``fail_start``;
* fencing takes ``op_delay`` and powers the target off when the cluster's ``fence_ok``;
* resource monitoring: a service can be killed (its check then says stopped) or hung (its
  check runs into its timeout and fails) on one node (``kill_service``); the group is not
  served there from that moment.  A check takes its script's duration; a restart in place
  stops the resources from the failed one on (right to left), starts them again (left to
  right), and serves the group again unless ``fail_start`` makes the start fail.  A
  stopped group, or a powered-off node, loses its service faults.

Pure: no clock, no scripts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING

from ha_agents.failover import events as fev
from ha_agents.failover.actions import Probe, RestartResources

if TYPE_CHECKING:
    from ha_agents.node.cluster import VirtualCluster


class ServiceFault(enum.Enum):
    DEAD = "dead"  # the process is gone (SIGKILL): status says stopped
    HUNG = "hung"  # the process is stopped (SIGSTOP): status hangs until its timeout


class ModelledExecutor:
    def __init__(self, sim: VirtualCluster) -> None:
        self.sim = sim
        self.faults: dict[tuple[str, str, int], ServiceFault] = {}  # (node, group, index)
        self.probes: list[tuple[float, str, str, int]] = []  # (t, node, group, index)
        self.restarts: list[tuple[float, str, str, int]] = []

    # -- service faults ------------------------------------------------------------------
    def kill_service(self, name: str, key: str, index: int, fault: ServiceFault) -> None:
        """Resource ``index`` of group ``key`` dies (or hangs) on ``name``."""
        if key not in self.sim.running[name]:
            return
        self.faults[(name, key, index)] = fault
        self.sim.log(name, f"SERVICE FAULT: {key} resource {index} {fault.value}")
        self.sim._set_serving(key, name, False)

    def forget(self, name: str, key: str | None = None) -> None:
        """The node (or one of its groups) stopped: its services' faults went with it."""
        for k in [k for k in self.faults if k[0] == name and key in (None, k[1])]:
            del self.faults[k]

    def healthy(self, name: str, key: str) -> bool:
        return not any(k[0] == name and k[1] == key for k in self.faults)

    # -- groups and fencing --------------------------------------------------------------
    def group(self, name: str, key: str, start: bool) -> None:
        sim = self.sim
        node = sim.members[name].node
        op = "start" if start else "stop"
        sim.ops.append((sim.now, name, op, key))
        sim._in_flight[name] = sim._in_flight.get(name, 0) + 1
        if not start:
            sim._set_serving(key, name, False)
        offset = self._scripts(name, self._resources(key), 0, start, op)
        ok = not (start and (name, key) in sim.fail_start)

        def done() -> None:
            sim._in_flight[name] -= 1
            if sim.members[name].node is not node or node is None:
                return
            self._finished(name, key, start, ok)
            sim._apply(name, node.result(fev.GroupDone(key, start, ok, sim.now)))

        sim.at(sim.now + offset, done)

    def _finished(self, name: str, key: str, start: bool, ok: bool) -> None:
        sim = self.sim
        sim.log(name, f"group {key}: {'start' if start else 'stop'} done")
        if start and ok:
            sim._set_running(key, name, True)
            if len(sim.owners(key)) > 1:
                sim.overlaps.append((sim.now, key, tuple(sim.owners(key))))
            if sim._reachable(name):
                sim._set_serving(key, name, True)
        elif not start:
            sim._set_running(key, name, False)
            self.forget(name, key)

    def fence(self, name: str, target: str) -> None:
        sim = self.sim
        node = sim.members[name].node
        sim.fence_calls.append((sim.now, name, target))
        sim.log(name, f"fence {target}")
        ok = sim.fence_ok

        def fenced() -> None:
            if sim.members[name].node is not node or node is None:
                return  # the fencer was itself fenced first (a fencing race)
            if ok:
                sim.power_off(target)
            sim._apply(name, node.result(fev.FenceDone(target, ok, sim.now)))

        sim.at(sim.now + sim.op_delay, fenced)

    # -- monitoring ----------------------------------------------------------------------
    def probe(self, name: str, item: Probe) -> None:
        sim = self.sim
        node = sim.members[name].node
        self.probes.append((sim.now, name, item.key, item.index))
        fault = self.faults.get((name, item.key, item.index))
        took = min(self._duration(item.key, item.index), item.timeout)
        verdict, detail = fev.Verdict.RUNNING, "running"
        if fault is ServiceFault.HUNG:
            took = item.timeout
            verdict, detail = fev.Verdict.FAILED, f"timed out after {took:.1f}s (killed)"
        elif fault is ServiceFault.DEAD or item.key not in sim.running[name]:
            verdict, detail = fev.Verdict.STOPPED, "not running"

        def done() -> None:
            if sim.members[name].node is node and node is not None:
                event = fev.ProbeDone(
                    item.key, item.index, item.probe, verdict, sim.now, detail, took
                )
                sim._apply(name, node.result(event))

        sim.at(sim.now + took, done)

    def restart(self, name: str, item: RestartResources) -> None:
        sim, key = self.sim, item.key
        node = sim.members[name].node
        self.restarts.append((sim.now, name, key, item.index))
        sim._set_serving(key, name, False)
        tail = self._resources(key)[item.index :]
        offset = self._scripts(name, tail, 0, False, "stop")
        offset = self._scripts(name, tail, offset, True, "start")
        ok = (name, key) not in sim.fail_start

        def done() -> None:
            if sim.members[name].node is not node or node is None:
                return
            for index in range(item.index, item.index + len(tail)):
                self.faults.pop((name, key, index), None)
            if ok and sim._reachable(name):
                sim._set_serving(key, name, True)
            sim.log(name, f"group {key}: restart from resource {item.index} done")
            sim._apply(name, node.result(fev.RestartDone(key, item.index, ok, sim.now)))

        sim.at(sim.now + offset, done)

    # -- helpers -------------------------------------------------------------------------
    def _resources(self, key: str) -> list[tuple[str, str]]:
        group = self.sim.groups.get(key)
        return [(r.text, r.name) for r in group.resources] if group else [(key, "")]

    def _duration(self, key: str, index: int) -> float:
        resources = self._resources(key)
        script = resources[index][1] if index < len(resources) else ""
        return self.sim.durations.get(script, self.sim.op_delay)

    def _scripts(
        self, name: str, resources: list[tuple[str, str]], offset: float, start: bool, op: str
    ) -> float:
        """Log each script run at its time; the offset after the last one."""
        for text, script in resources if start else resources[::-1]:
            self.sim.at(self.sim.now + offset, self._logger(name, f"{op} {text}"))
            offset += self.sim.durations.get(script, self.sim.op_delay)
        return offset

    def _logger(self, node: str, text: str) -> Callable[[], None]:
        return lambda: self.sim.log(node, text)
