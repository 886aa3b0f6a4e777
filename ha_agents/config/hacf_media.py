"""ha.cf media and whole-line directives (pure): bcast/udp/serial/ping words, and
mcast/mcast6/ucast/ucast6/ping_group/respawn/failfast/apiauth/stonith/stonith_host lines.

Numbers on mcast lines are read like C ``atoi`` and stored in 16/8-bit fields, as
Heartbeat does (verified: port ``694x`` is 694, ttl 256 is 0, ttl above 4 is refused).
"""

from __future__ import annotations

from ha_agents.config.hacf_state import Builder
from ha_agents.config.lines import show
from ha_agents.config.model import Medium, MediumKind, PingNode
from ha_agents.config.values import is_ipv4_multicast, is_ipv6_multicast, parse_leading_int


def medium_word(b: Builder, d: str, v: str, n: int) -> None:
    if d in ("bcast", "udp"):
        if d == "udp":
            b.warn(n, "HA161", "directive 'udp' is an old name of 'bcast'")
        b.media.append(Medium(MediumKind.BCAST, v, b.loc(n), port=b.udpport))
        b.udp_media_lines.append(n)
    elif d == "serial":
        b.media.append(Medium(MediumKind.SERIAL, v, b.loc(n), baud=b.baud))
    elif d in ("ping", "ping6"):
        b.pings.append(PingNode(v, (v,), b.loc(n), ipv6=d == "ping6"))


def line_directive(b: Builder, d: str, args: list[str], n: int) -> None:
    if not args and d in ("mcast", "mcast6", "ucast", "ucast6", "ping_group"):
        # verified: ucast/mcast alone crash Heartbeat (SIGSEGV), the others are refused
        b.err(n, "HA117", f"'{d}' without arguments (Heartbeat refuses or crashes on it)")
        return
    if d in ("mcast", "mcast6"):
        _mcast(b, d, args, n)
    elif d in ("ucast", "ucast6"):
        if not args:
            return  # no value: ignored like any other empty directive
        if len(args) < 2:
            b.err(n, "HA117", f"{d}: [{show(args[0])}] missing target IP address/hostname")
            return
        kind = MediumKind.UCAST if d == "ucast" else MediumKind.UCAST6
        b.media.append(Medium(kind, args[0], b.loc(n), port=b.udpport, peer=args[1]))
        if d == "ucast":
            b.udp_media_lines.append(n)
        if len(args) > 2:
            b.warn(n, "HA152", f"{d}: extra words after the peer are ignored")
    elif d == "ping_group":
        if len(args) < 2:
            b.err(n, "HA117", "ping_group needs a name and at least one host")
            return
        b.pings.append(PingNode(args[0], tuple(args[1:]), b.loc(n), is_group=True))
    elif d in ("respawn", "failfast"):
        user = args[0] if args else ""
        cmd = args[1] if len(args) > 1 else ""
        if not cmd.startswith("/"):
            b.err(n, "HA118", f"{d}: client command [{show(cmd)}] is not a full pathname")
            return
        entry = (user, cmd, tuple(args[2:]))
        (b.respawn if d == "respawn" else b.failfast).append(entry)
        b.entry(d, n)
    elif d == "apiauth":
        if len(args) < 2 or not all(a.startswith(("uid=", "gid=")) for a in args[1:]):
            b.err(
                n,
                "HA119",
                f"invalid apiauth directive [{show(' '.join(args))}] "
                "(apiauth CLIENT uid=USER[,USER] gid=GROUP[,GROUP])",
            )
            return
        b.apiauth.append(tuple(args))
        b.entry(d, n)
    elif d == "stonith":
        if len(args) < 2:
            b.err(n, "HA120", "stonith needs a device type and a config file")
            return
        b.stonith.append((args[0], args[1]))
        b.entry(d, n)
        b.warn(n, "HA160", "'stonith' is accepted but has no effect in ha_agents")
    elif d == "stonith_host":
        if len(args) < 2:
            b.err(n, "HA120", "stonith_host needs a host (or *) and a device type")
            return
        b.stonith_hosts.append(tuple(args))
        b.entry(d, n)


def _mcast(b: Builder, d: str, args: list[str], n: int) -> None:
    if not args:
        return
    dev = show(args[0])
    if len(args) < 2:
        b.err(n, "HA117", f"{d} [{dev}] missing group address")
        return
    group = args[1]
    ok_group = is_ipv4_multicast(group) if d == "mcast" else is_ipv6_multicast(group)
    if not ok_group:
        b.err(n, "HA117", f"{d} [{dev}] bad multicast group [{show(group)}]")
        return
    if len(args) < 3:
        b.err(n, "HA117", f"{d} [{dev}] missing port")
        return
    # port, ttl and loop are read like C atoi (``694x`` is 694, ``abc`` is 0), then
    # stored in 16/8-bit fields: port 70000 is 4464, ttl 256 is 0 (verified)
    port = (parse_leading_int(args[2]) or 0) % 65536
    if port == 0:
        b.err(n, "HA117", f"{d} [{dev}] bad port [{show(args[2])}]")
        return
    if len(args) < 4:
        b.err(n, "HA117", f"{d} [{dev}] missing ttl")
        return
    ttl = (parse_leading_int(args[3]) or 0) % 256
    if ttl > 4:
        b.err(n, "HA117", f"{d} [{dev}] bad ttl [{show(args[3])}] (Heartbeat allows 0-4)")
        return
    if len(args) < 5:
        b.err(n, "HA117", f"{d} [{dev}] missing loop")
        return
    loop = parse_leading_int(args[4]) or 0
    if loop not in (0, 1):
        b.err(n, "HA117", f"{d} [{dev}] bad loop [{show(args[4])}] (0 or 1)")
        return
    if len(args) > 5:
        b.warn(n, "HA152", f"{d}: extra words after the loop flag are ignored")
    kind = MediumKind.MCAST if d == "mcast" else MediumKind.MCAST6
    b.media.append(
        Medium(kind, args[0], b.loc(n), port=port, group=group, ttl=ttl, loop=bool(loop))
    )
