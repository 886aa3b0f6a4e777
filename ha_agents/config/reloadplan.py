"""What a configuration reload changes, and whether it can be applied live.  Pure.

``plan_reload(old, new)`` compares two checked configurations:

* applied live: the timers (keepalive, warntime, deadtime, initdead), the media, the
  authkeys, and every ``hbparameter`` value;
* haresources: when the groups (their first resources) and their home nodes stay the
  same, the new resource lists are used from each group's next start or stop (as
  Heartbeat's ResourceManager, which reads haresources at each transition) if the
  resource executor supports it; otherwise at the next restart.  A reload itself never
  starts or stops a resource;
* remembered for the next restart (reported, nothing stops): auto_failback, logging
  directives, respawn/ping/stonith lines;
* refused (nothing changes): a different node list or local node name — membership
  would have to forget or invent peers, which needs a restart of the daemon.
"""

from __future__ import annotations

from dataclasses import dataclass

from ha_agents.config.model import AuthKeys, ClusterConfig, HaCf, Medium


@dataclass(frozen=True, slots=True)
class ReloadPlan:
    changes: tuple[str, ...]  # applied live, one line each
    deferred: tuple[str, ...]  # valid, applied at the next restart of the daemon
    refused: tuple[str, ...]  # why the reload cannot be applied (nothing changes)
    timers: bool = False
    media: bool = False
    authkeys: bool = False
    groups: bool = False  # resource lists changed within the same groups (see daemon)

    @property
    def ok(self) -> bool:
        return not self.refused


def _medium_key(m: Medium) -> tuple[object, ...]:
    return (m.kind, m.dev, m.port, m.group, m.peer, m.ttl, m.loop, m.baud)


def medium_text(m: Medium) -> str:
    extra = m.peer or m.group or ""
    return " ".join(x for x in (m.kind.value, m.dev, extra, str(m.port)) if x)


def _keys_key(k: AuthKeys) -> tuple[object, ...]:
    return (k.active, tuple(sorted((i, v.method, v.key) for i, v in k.keys.items())))


def _ms(value: int | None) -> str:
    return "default" if value is None else f"{value}ms"


TIMERS = ("keepalive_ms", "warntime_ms", "deadtime_ms", "initdead_ms")
DEFERRED_HACF = (
    "auto_failback",
    "logfile",
    "debugfile",
    "logfacility",
    "debug",
    "respawn",
    "ping_nodes",
    "stonith_hosts",
    "stonith",
    "cluster",
    "hopfudge",
)


def _timer_changes(old: HaCf, new: HaCf) -> list[str]:
    out = []
    for name in TIMERS:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(f"{name.removesuffix('_ms')} {_ms(a)} -> {_ms(b)}")
    return out


def _media_changes(old: HaCf, new: HaCf) -> list[str]:
    a = {_medium_key(m): m for m in old.media}
    b = {_medium_key(m): m for m in new.media}
    out = [f"medium removed: {medium_text(m)}" for k, m in a.items() if k not in b]
    out += [f"medium added: {medium_text(m)}" for k, m in b.items() if k not in a]
    return out


def _groups_key(c: ClusterConfig) -> tuple[object, ...]:
    return tuple((g.node, tuple(r.text for r in g.resources)) for g in c.groups)


def _groups_shape(c: ClusterConfig) -> tuple[object, ...]:
    return tuple((g.key, g.node.lower()) for g in c.groups)


def plan_reload(old: ClusterConfig, new: ClusterConfig) -> ReloadPlan:
    refused: list[str] = []
    if tuple(n.lower() for n in old.hacf.nodes) != tuple(n.lower() for n in new.hacf.nodes):
        refused.append(
            f"node list changed ({' '.join(old.hacf.nodes)} -> {' '.join(new.hacf.nodes)}): "
            "restart ha-agents to apply"
        )
    if old.local_node.lower() != new.local_node.lower():
        refused.append(f"local node name changed ({old.local_node} -> {new.local_node})")
    timers = _timer_changes(old.hacf, new.hacf)
    media = _media_changes(old.hacf, new.hacf)
    keys = _keys_key(old.authkeys) != _keys_key(new.authkeys)
    changes = [*timers, *media]
    if keys:
        changes.append(f"authkeys changed (signing with index {new.authkeys.active})")
    if dict(old.hacf.parameters) != dict(new.hacf.parameters) and not (timers or media):
        changes.append("hbparameter values changed")
    deferred = [
        f"{name} changed"
        for name in DEFERRED_HACF
        if getattr(old.hacf, name) != getattr(new.hacf, name)
    ]
    groups = False
    if _groups_key(old) != _groups_key(new):
        if _groups_shape(old) == _groups_shape(new):
            groups = True  # same groups on the same homes: only their resource lists
        else:
            deferred.append("haresources changed (groups or their home nodes)")
    return ReloadPlan(
        tuple(changes),
        tuple(deferred),
        tuple(refused),
        timers=bool(timers),
        media=bool(media),
        authkeys=keys,
        groups=groups,
    )
