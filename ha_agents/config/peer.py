"""Compare two nodes' configs: the differences that break a cluster (pure).

Heartbeat never compares its nodes' files; a different key, node list, udpport or
medium shows up only as peers that never see each other.  Codes HP5xx; errors break
the cluster, warnings make the nodes behave differently.
"""

from __future__ import annotations

from ha_agents.config.diagnostics import Diagnostic, error, warning
from ha_agents.config.model import ClusterConfig, HaCf, Location, MediumKind

_UDP_KINDS = (MediumKind.BCAST, MediumKind.UCAST)


def _loc(hacf: HaCf, name: str) -> Location:
    loc = hacf.locations.get(name)
    if loc is not None:
        return loc
    any_loc = next(iter(hacf.locations.values()), None)
    return Location(any_loc.path if any_loc else "ha.cf", 1)


def compare(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    """Problems between this node's config ``a`` and a peer's config ``b``."""
    out: list[Diagnostic] = []
    for rule in (_keys, _nodes, _timers, _udpport, _media, _failback, _groups):
        out += rule(a, b)
    return out


def _nodes(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    na = {n.lower() for n in a.hacf.nodes}
    nb = {n.lower() for n in b.hacf.nodes}
    if na == nb:
        return []
    loc = _loc(a.hacf, "node")
    text = f"node lists differ: here {sorted(na)}, peer {sorted(nb)}"
    return [error(loc.path, loc.line, "HP502", text)]


def _timers(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    ha, hb = a.hacf, b.hacf
    out: list[Diagnostic] = []
    for name, va, vb in (
        ("keepalive", ha.keepalive_ms, hb.keepalive_ms),
        ("deadtime", ha.deadtime_ms, hb.deadtime_ms),
        ("warntime", ha.effective_warntime_ms, hb.effective_warntime_ms),
        ("initdead", ha.effective_initdead_ms, hb.effective_initdead_ms),
    ):
        if va != vb:
            loc = _loc(ha, name)
            text = (
                f"{name} differs: {va}ms here, {vb}ms on the peer (the nodes detect "
                "failures at different speeds)"
            )
            out.append(warning(loc.path, loc.line, "HP503", text))
    return out


def _udpport(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    ha, hb = a.hacf, b.hacf
    uses_udp = any(m.kind in _UDP_KINDS for m in (*ha.media, *hb.media))
    if not uses_udp or ha.udpport == hb.udpport:
        return []
    loc = _loc(ha, "udpport")
    text = f"udpport differs: {ha.udpport} here, {hb.udpport} on the peer"
    return [error(loc.path, loc.line, "HP504", text)]


def _failback(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    ha, hb = a.hacf, b.hacf
    out: list[Diagnostic] = []
    if ha.auto_failback != hb.auto_failback:
        loc = _loc(ha, "auto_failback")
        text = (
            f"auto_failback differs: {ha.auto_failback.value} here, "
            f"{hb.auto_failback.value} on the peer"
        )
        out.append(warning(loc.path, loc.line, "HP507", text))
    if ha.msgfmt != hb.msgfmt:
        loc = _loc(ha, "msgfmt")
        out.append(warning(loc.path, loc.line, "HP508", "msgfmt differs between the nodes"))
    return out


def _keys(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    ka, kb = a.authkeys.signing_key, b.authkeys.signing_key
    path, line = ka.loc.path, ka.loc.line
    # a receiver verifies with the method of the sender's index and its own signing key
    theirs = a.authkeys.keys.get(kb.index)
    mine = b.authkeys.keys.get(ka.index)
    if (
        theirs is None
        or mine is None
        or theirs.method is not kb.method
        or mine.method is not ka.method
        or ka.key != kb.key
    ):
        if (ka.index, ka.method) == (kb.index, kb.method):
            how = f"both sign with key {ka.index} ({ka.method.value}) but the secrets differ"
        else:
            how = (
                f"this node signs with key {ka.index} ({ka.method.value}), the peer with key "
                f"{kb.index} ({kb.method.value})"
            )
        text = (
            f"authkeys differ: {how}; they reject each other's messages (copy one authkeys "
            "to every node)"
        )
        return [error(path, line, "HP501", text)]
    return []


def _media(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    ha, hb = a.hacf, b.hacf
    out: list[Diagnostic] = []
    kinds_a = {m.kind for m in ha.media}
    kinds_b = {m.kind for m in hb.media}
    first = ha.media[0].loc if ha.media else _loc(ha, "node")
    if ha.media and hb.media and not kinds_a & kinds_b:
        out.append(
            error(
                first.path,
                first.line,
                "HP505",
                f"no common medium: here {sorted(k.value for k in kinds_a)}, peer "
                f"{sorted(k.value for k in kinds_b)}",
            )
        )
        return out
    groups_a = {(m.group, m.port) for m in ha.media if m.kind is MediumKind.MCAST}
    groups_b = {(m.group, m.port) for m in hb.media if m.kind is MediumKind.MCAST}
    if groups_a and groups_b and not groups_a & groups_b:
        loc = next(m.loc for m in ha.media if m.kind is MediumKind.MCAST)
        out.append(error(loc.path, loc.line, "HP505", "mcast group/port differ between the nodes"))
    elif kinds_a != kinds_b:
        out.append(
            warning(
                first.path,
                first.line,
                "HP506",
                f"media differ: here {sorted(k.value for k in kinds_a)}, peer "
                f"{sorted(k.value for k in kinds_b)} (only the common ones carry heartbeats)",
            )
        )
    return out


def _groups(a: ClusterConfig, b: ClusterConfig) -> list[Diagnostic]:
    def sig(c: ClusterConfig) -> list[tuple[str, tuple[str, ...]]]:
        return [(g.node.lower(), tuple(r.text for r in g.resources)) for g in c.groups]

    sa, sb = sig(a), sig(b)
    if sa == sb:
        return []
    path = a.groups[0].loc.path if a.groups else f"{a.config_dir}/haresources"
    for i, (ga, gb) in enumerate(zip(sa, sb, strict=False)):
        if ga != gb:
            line = a.groups[i].loc.line
            return [
                error(
                    path,
                    line,
                    "HP509",
                    f"haresources differ: here '{ga[0]} {' '.join(ga[1])}', peer "
                    f"'{gb[0]} {' '.join(gb[1])}' (the nodes disagree on who runs what)",
                )
            ]
    return [
        error(
            path,
            1,
            "HP509",
            f"haresources differ: {len(sa)} groups here, {len(sb)} on the peer",
        )
    ]
