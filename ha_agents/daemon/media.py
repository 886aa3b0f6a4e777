"""EDGE: the heartbeat media of ha.cf opened as links (daemon/transports.py), with
Heartbeat's start-up log lines for each."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from ha_agents.config.model import ClusterConfig, Medium, MediumKind
from ha_agents.daemon import ifaddr
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.transports import Receiver, SerialLink, TransportError
from ha_agents.daemon.udplink import UdpLink, open_udp_links

Link = UdpLink | SerialLink


@dataclass(frozen=True, slots=True)
class Host:
    """This machine's interfaces and addresses, as the media need them."""

    infos: dict[str, ifaddr.IfInfo]
    addresses: frozenset[str]

    @classmethod
    def read(cls) -> Host:
        infos = ifaddr.interfaces()
        return cls(infos, ifaddr.local_addresses(infos) | {"127.0.0.1"})


async def open_media(media: Sequence[Medium], host: Host, receiver: Receiver) -> list[Link]:
    """Every medium as a link (serial first); TransportError/OSError if one cannot open
    (what was opened is closed again)."""
    links: list[Link] = []
    try:
        for m in media:
            if m.kind is MediumKind.SERIAL:
                links.append(SerialLink(m, receiver))
        udp = [m for m in media if m.kind is not MediumKind.SERIAL]
        links.extend(open_udp_links(udp, host.infos, host.addresses, receiver))
    except (TransportError, OSError):
        close_links(links)
        raise
    return links


def close_links(links: Sequence[Link]) -> None:
    for link in links:
        with contextlib.suppress(Exception):
            link.close()


def missing_interface(config: ClusterConfig) -> str | None:
    """A reason not to switch to ``config``'s media: a device that does not exist."""
    infos = ifaddr.interfaces()
    for m in config.hacf.media:
        if m.kind is not MediumKind.SERIAL and m.dev not in infos:
            return f"{m.kind.value} {m.dev}: no such interface"
    return None


def log_media(config: ClusterConfig, host: Host, log: HbLog) -> None:
    """Heartbeat's 'heartbeat started' line for each medium."""
    for m in config.hacf.media:
        log.info(_started(m, host))
    if config.hacf.ping_nodes:
        names = ", ".join(p.name for p in config.hacf.ping_nodes)
        log.info(f"glib: ping heartbeat started ({names}): takeover tie-breaker")


def _started(m: Medium, host: Host) -> str:
    if m.kind is MediumKind.SERIAL:
        return f"glib: Starting serial heartbeat on tty {m.dev} ({m.baud or 19200} baud)"
    if m.kind is MediumKind.BCAST:
        return (
            f"glib: UDP Broadcast heartbeat started on port {m.port} ({m.port}) interface {m.dev}"
        )
    if m.kind is MediumKind.MCAST:
        return (
            f"glib: UDP multicast heartbeat started for group {m.group} "
            f"port {m.port} interface {m.dev} (ttl={m.ttl} loop={int(bool(m.loop))})"
        )
    if m.peer in host.addresses:
        return f"glib: ucast: {m.peer} is a local address; not sending to it"
    return f"glib: ucast: started on port {m.port} interface {m.dev} to {m.peer}"
