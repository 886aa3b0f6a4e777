"""Build ClusterConfig values directly (no files) for the export unit tests."""

from __future__ import annotations

import re

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

HACF = "/etc/ha.d/ha.cf"
HARES = "/etc/ha.d/haresources"
_BARE_IP = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]")


def spec(text: str, line: int = 1) -> ResourceSpec:
    """``IPaddr::192.0.2.5/24`` -> ResourceSpec, as the haresources parser makes it."""
    if _BARE_IP.match(text):
        return ResourceSpec("IPaddr", (text,), text, Location(HARES, line))
    name, *args = text.split("::")
    return ResourceSpec(name, tuple(args), text, Location(HARES, line))


def group(node: str, *resources: str, line: int = 1) -> ResourceGroup:
    return ResourceGroup(node, tuple(spec(r, line) for r in resources), Location(HARES, line))


def ucast(dev: str, peer: str, line: int = 5) -> Medium:
    return Medium(MediumKind.UCAST, dev, Location(HACF, line), peer=peer)


def bcast(dev: str, line: int = 5) -> Medium:
    return Medium(MediumKind.BCAST, dev, Location(HACF, line))


def make_config(
    *groups: ResourceGroup,
    nodes: tuple[str, ...] = ("node1", "node2"),
    media: tuple[Medium, ...] = (),
    method: AuthMethod = AuthMethod.SHA1,
    auto_failback: AutoFailback = AutoFailback.ON,
    ping: tuple[str, ...] = (),
    respawn: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    local_node: str = "node1",
    keepalive_ms: int = 2000,
    deadtime_ms: int = 30000,
    cluster: str = "linux-ha",
    logfacility: str | None = "local0",
) -> ClusterConfig:
    if not media:
        media = (ucast("eth0", "192.0.2.12"),)
    hacf = HaCf(
        nodes=nodes,
        media=media,
        keepalive_ms=keepalive_ms,
        deadtime_ms=deadtime_ms,
        auto_failback=auto_failback,
        cluster=cluster,
        ping_nodes=tuple(PingNode(h, (h,), Location(HACF, 9)) for h in ping),
        respawn=respawn,
        logfacility=logfacility,
    )
    key = AuthKey(
        1, method, b"" if method is AuthMethod.CRC else b"secret", Location("authkeys", 2)
    )
    auth = AuthKeys(1, {1: key}, Location("authkeys", 1))
    return ClusterConfig("/etc/ha.d", hacf, auth, tuple(groups), local_node)
