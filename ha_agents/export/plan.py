"""A v1 cluster as Pacemaker sees it: groups of primitives, constraints, properties.

Decisions (docs/migration.md explains them to users):

* each haresources line -> a group; the home node -> ``location PREFER_SCORE`` on it;
* ``auto_failback on`` -> resource-stickiness 0 (the group goes home);
  ``off`` -> INFINITY (it stays); ``legacy`` behaves like ``on`` in Heartbeat (the home node
  asks for its group back, docs/heartbeat/protocol.md §10), so it gets 0 too, with a note;
* ping / ping_group nodes -> one cloned ``ocf:pacemaker:ping`` and, on every group,
  ``location ... rule -INFINITY: not_defined pingd or pingd lte 0``;
* legacy ``stonith``/``stonith_host`` lines -> fence devices (export/stonith.py);
  ``stonith-enabled=true`` only when every one of them converts, else ``false`` with a loud
  warning (v1 clusters usually had no fencing at all).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import AutoFailback, ClusterConfig, ResourceGroup
from ha_agents.export import notes
from ha_agents.export.primitives import Op, Primitive, ScriptInfo, to_primitive
from ha_agents.export.stonith import FenceDevice, fence_devices

PREFER_SCORE = 100
PING_ATTRIBUTE = "pingd"
PING_MULTIPLIER = 1000


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    home: str
    primitives: tuple[tuple[str, Primitive], ...]  # (unique id, primitive), start order
    source: ResourceGroup

    @property
    def location_id(self) -> str:
        return f"loc_{self.id}_prefers_{safe_id(self.home)}"

    @property
    def ping_location_id(self) -> str:
        return f"loc_{self.id}_connected"


@dataclass(frozen=True, slots=True)
class PingClone:
    primitive_id: str
    clone_id: str
    hosts: tuple[str, ...]
    dampen: str
    monitor: Op


@dataclass(frozen=True, slots=True)
class Fence:
    id: str
    device: FenceDevice
    avoid: tuple[str, ...]  # nodes it must not run on (stonith_host NODE: all others)
    monitor: Op

    def avoid_id(self, node: str) -> str:
        return f"loc_{self.id}_avoids_{safe_id(node)}"


@dataclass(frozen=True, slots=True)
class PacemakerPlan:
    cluster_name: str
    nodes: tuple[str, ...]
    groups: tuple[Group, ...]
    stickiness: str  # "0" or "INFINITY"
    ping: PingClone | None
    stonith_enabled: bool
    fences: tuple[Fence, ...] = ()


_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_id(text: str) -> str:
    """An XML ID / crmsh / pcs-safe id: ``[A-Za-z_][A-Za-z0-9_.-]*``."""
    cleaned = _ID_BAD.sub("_", text).strip("_") or "x"
    return cleaned if (cleaned[0].isalpha() or cleaned[0] == "_") else f"r_{cleaned}"


class _Ids:
    """Hands out unique ids (a repeated hint gets ``-2``, ``-3`` ...)."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used: set[str] = set(reserved)

    def take(self, hint: str) -> str:
        base = safe_id(hint)
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f"{base}-{n}"
        self._used.add(candidate)
        return candidate


def stickiness_for(cfg: ClusterConfig) -> tuple[str, list[Diagnostic]]:
    mode = cfg.hacf.auto_failback
    if mode is AutoFailback.OFF:
        return "INFINITY", []
    diags: list[Diagnostic] = []
    if mode is AutoFailback.LEGACY:
        loc = cfg.hacf.locations.get("auto_failback")
        msg = (
            "auto_failback legacy (the default) moves a group back to its home node, like "
            "'on': exported as resource-stickiness=0; use INFINITY to keep groups where they are"
        )
        diags.append(notes.note(loc, notes.LEGACY_FAILBACK, msg, _hacf_path(cfg)))
    return "0", diags


def _hacf_path(cfg: ClusterConfig) -> str:
    return f"{cfg.config_dir.rstrip('/')}/ha.cf"


def _groups(cfg: ClusterConfig, info: ScriptInfo) -> tuple[list[Group], list[Diagnostic]]:
    ids = _Ids(["cib-bootstrap-options", "rsc-options", "ping", "ping-clone"])
    node_by_lower = {n.lower(): n for n in cfg.hacf.nodes}
    groups: list[Group] = []
    diags: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for rg in cfg.groups:
        if not rg.resources:
            msg = f"haresources line for {rg.node} has no resources; nothing to export"
            diags.append(notes.note(rg.loc, notes.EMPTY_GROUP, msg))
            continue
        members: list[tuple[str, Primitive]] = []
        for spec in rg.resources:
            if spec.text in seen:
                msg = (
                    f"{spec.text!r} is also in the group of line {seen[spec.text]}; Pacemaker "
                    "runs each primitive once, so this copy gets its own id — merge the groups "
                    "or remove one"
                )
                diags.append(notes.note(spec.loc, notes.DUPLICATE_RESOURCE, msg))
            seen.setdefault(spec.text, str(spec.loc.line))
            prim, more = to_primitive(spec, info)
            diags += more
            if prim is not None:
                members.append((ids.take(prim.id_hint), prim))
        if not members:
            continue
        group_id = ids.take(f"grp_{members[0][0]}")
        home = node_by_lower.get(rg.node.lower(), rg.node)
        groups.append(Group(group_id, home, tuple(members), rg))
    return groups, diags


def _ping(cfg: ClusterConfig) -> tuple[PingClone | None, list[Diagnostic]]:
    hosts: list[str] = []
    for pn in cfg.hacf.ping_nodes:
        hosts += [h for h in pn.hosts if h not in hosts]
    if not hosts:
        return None, []
    diags: list[Diagnostic] = []
    has_ipfail = any(path.endswith("/ipfail") for _, path, _ in cfg.hacf.respawn)
    if not has_ipfail:
        loc = cfg.hacf.ping_nodes[0].loc
        msg = (
            "ping nodes moved resources in Heartbeat only with 'respawn ... ipfail'; the export "
            "adds the connectivity rule anyway (drop the loc_*_connected constraints to keep "
            "the old behaviour)"
        )
        diags.append(notes.note(loc, notes.PING_WITHOUT_IPFAIL, msg))
    clone = PingClone("ping", "ping-clone", tuple(hosts), "5s", Op("monitor", "10s", "60s"))
    return clone, diags


FENCE_MONITOR = Op("monitor", "60s", "20s")


def _stonith(cfg: ClusterConfig, info: ScriptInfo) -> tuple[list[Fence], bool, list[Diagnostic]]:
    devices, diags = fence_devices(cfg, info.stonith_files)
    wanted = len(cfg.hacf.stonith_hosts) + len(cfg.hacf.stonith)
    enabled = bool(devices) and len(devices) == wanted
    ids = _Ids(["cib-bootstrap-options", "rsc-options", "ping", "ping-clone"])
    fences = []
    for dev in devices:
        avoid = tuple(n for n in cfg.hacf.nodes if dev.only_on and n.lower() != dev.only_on.lower())
        fences.append(Fence(ids.take(dev.id_hint), dev, avoid, FENCE_MONITOR))
    if not enabled:
        msg = (
            "stonith-enabled=false: Heartbeat v1 clusters ran without fencing and so does this "
            "export. Pacemaker without fencing cannot recover safely from a split brain or a "
            "failed stop — configure a fence device (pcs stonith create / crm configure "
            "primitive stonith:...) and set stonith-enabled=true before production"
        )
        diags.insert(0, notes.note(None, notes.NO_FENCING, msg, _hacf_path(cfg)))
    return fences, enabled, diags


def build_plan(cfg: ClusterConfig, info: ScriptInfo) -> tuple[PacemakerPlan, list[Diagnostic]]:
    """The Pacemaker view of ``cfg`` plus every warning about what did not map."""
    groups, diags = _groups(cfg, info)
    stickiness, more = stickiness_for(cfg)
    diags += more
    ping, more = _ping(cfg)
    diags += more
    fences, enabled, more = _stonith(cfg, info)
    diags += more
    plan = PacemakerPlan(
        cluster_name=cfg.hacf.cluster,
        nodes=cfg.hacf.nodes,
        groups=tuple(groups),
        stickiness=stickiness,
        ping=ping,
        stonith_enabled=enabled,
        fences=tuple(fences),
    )
    return plan, diags
