"""Who keeps a group that two nodes hold at once (after a partition heals).

The rule, identical on every node so both reach the same verdict from the same facts:

1. the group's home node (first word of its haresources line) keeps it if it holds it;
2. otherwise the holder whose name sorts first (case-insensitive) keeps it.

Every other holder releases it at once; the keeper re-sends gratuitous ARP.  A node that
finds it was frozen for longer than deadtime releases before it rejoins (manager.py), so
a resumed node never contests a group its peer took over while it was stopped.
"""

from __future__ import annotations

from collections.abc import Iterable


def keeper(home: str, holders: Iterable[str]) -> str:
    names = list(holders)
    if not names:
        raise ValueError("keeper() needs at least one holder")
    for n in names:
        if n.lower() == home.lower():
            return n
    return min(names, key=str.lower)
