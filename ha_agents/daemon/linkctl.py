"""EDGE: what the daemon does with its UDP links besides sending (daemon/udplink.py):

* the peer filter: once every peer is heard on a link, only their addresses get through
  (``Node.peer_sources``; daemon/peerfilter.py), unless failover.cf ``peer_filter off``;
* quiet reading: while ``Node.quiet`` holds (only heartbeats expected), the links stop
  waking the loop and their datagrams are read at the next timer (:func:`drain_paused`);
* their part of the status document, with the other edges' figures (:func:`extras`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.daemon import realtime
from ha_agents.daemon.transports import SerialLink
from ha_agents.daemon.udplink import UdpLink
from ha_agents.node.node import Node

Link = UdpLink | SerialLink


def udp(links: Sequence[Link]) -> list[UdpLink]:
    return [link for link in links if isinstance(link, UdpLink)]


def filter_peers(links: Sequence[Link], node: Node | None, options: FailoverOptions | None) -> None:
    """Membership changed: let only the peers' addresses through each UDP socket once
    every peer is heard there; failover.cf ``peer_filter off`` keeps the sockets open."""
    if node is None or (options is not None and not options.peer_filter):
        return
    for link in udp(links):
        link.allow(node.peer_sources(link.link))


def set_quiet(links: Sequence[Link], quiet: bool) -> None:
    for link in udp(links):
        if link.reading == quiet:
            if quiet:
                link.pause()
            else:
                link.resume()


def drain_paused(links: Sequence[Link]) -> None:
    """Hand over the datagrams that waited for this timer, link by link, in order."""
    for link in udp(links):
        if not link.reading:
            link.drain()


def status(links: Sequence[Link]) -> dict[str, object]:
    return {
        link.link: {"allowed": sorted(link.allowed or ()), "kernel_drops": link.kernel_drops()}
        for link in udp(links)
    }


def extras(
    links: Sequence[Link], verdict: float | None, added: tuple[str, float] | None
) -> dict[str, object]:
    """The status document's edge sections: peer filter, realtime, and the monotonic
    times of the latest dead verdict and in-process address add (timing)."""
    return {
        "timing": {"dead_verdict": verdict, "address_added": None if added is None else added[1]},
        "peer_filter": status(links),
        "realtime": realtime.current(),
    }
