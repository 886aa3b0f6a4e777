"""The parsed cluster configuration: frozen, typed, every value with its source line.

This is the contract between the config parsers and every later layer (wire, membership,
resources, daemon, export, simulate).  Times are integer milliseconds.  Nothing here does
I/O; ``ha_agents.config.load`` builds a :class:`ClusterConfig` from the files.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: the file as the user named it, 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class AutoFailback(enum.Enum):
    ON = "on"
    OFF = "off"
    LEGACY = "legacy"


class MediumKind(enum.Enum):
    BCAST = "bcast"
    MCAST = "mcast"
    MCAST6 = "mcast6"
    UCAST = "ucast"
    UCAST6 = "ucast6"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class Medium:
    """One heartbeat medium (one link).  ``bcast eth0 eth1`` gives two Medium values.

    * bcast: ``dev`` set, ``port`` = udpport in force when the line was read.
    * mcast/mcast6: ``dev``, ``group``, ``port``, ``ttl``, ``loop``.
    * ucast/ucast6: ``dev``, ``peer`` (the address as written; a local address is skipped
      at run time so both nodes can share one ha.cf), ``port`` = udpport in force.
    * serial: ``dev`` is the tty path, ``baud`` the speed in force when the line was read.
    """

    kind: MediumKind
    dev: str
    loc: Location
    port: int = 694
    group: str | None = None
    peer: str | None = None
    ttl: int | None = None
    loop: bool | None = None
    baud: int | None = None

    @property
    def link_name(self) -> str:
        """The link name cl_status shows (the interface or tty)."""
        return self.dev


@dataclass(frozen=True, slots=True)
class PingNode:
    """A ``ping HOST`` entry, or a ``ping_group NAME HOST...`` (``hosts`` has them all)."""

    name: str
    hosts: tuple[str, ...]
    loc: Location
    is_group: bool = False
    ipv6: bool = False  # a ``ping6`` node


@dataclass(frozen=True, slots=True)
class HaCf:
    """ha.cf after defaults and last-wins rules are applied.

    ``parameters`` maps every recorded directive (defaults included) to the value string
    cl_status ``hbparameter -p NAME`` prints and the ``HA_<name>`` environment variable
    carries: the value as written when set, the ms form when defaulted
    (e.g. ``deadping`` -> ``"30000ms"``).
    """

    nodes: tuple[str, ...]
    media: tuple[Medium, ...]
    keepalive_ms: int = 1000
    deadtime_ms: int = 30000
    warntime_ms: int | None = None
    initdead_ms: int | None = None
    deadping_ms: int | None = None
    udpport: int = 694
    auto_failback: AutoFailback = AutoFailback.LEGACY
    cluster: str = "linux-ha"
    ping_nodes: tuple[PingNode, ...] = ()
    logfile: str | None = None
    debugfile: str | None = None
    logfacility: str | None = None
    debug: int = 0
    hopfudge: int = 1
    respawn: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    stonith_hosts: tuple[tuple[str, ...], ...] = ()
    parameters: dict[str, str] = field(default_factory=dict, hash=False, compare=True)
    locations: dict[str, Location] = field(default_factory=dict, hash=False, compare=False)
    # added by the config parser (all defaulted, so older constructors keep working)
    baud: int = 19200
    watchdog: str | None = None
    realtime: bool = True
    rtprio: int | None = None
    msgfmt: str = "classic"
    use_logd: bool = False
    pacemaker: bool = False
    autojoin: str = "none"
    failfast: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    stonith: tuple[tuple[str, str], ...] = ()
    apiauth: tuple[tuple[str, ...], ...] = ()
    # the line of each respawn/failfast/stonith/stonith_host/apiauth entry, in order
    entry_locations: dict[str, tuple[Location, ...]] = field(
        default_factory=dict, hash=False, compare=False
    )

    @property
    def effective_initdead_ms(self) -> int:
        return self.initdead_ms if self.initdead_ms is not None else self.deadtime_ms

    @property
    def effective_warntime_ms(self) -> int:
        """Heartbeat derives warntime when unset; we use 3/4 of deadtime, at least keepalive."""
        if self.warntime_ms is not None:
            return self.warntime_ms
        return max(self.keepalive_ms, (self.deadtime_ms * 3) // 4)

    @property
    def effective_deadping_ms(self) -> int:
        return self.deadping_ms if self.deadping_ms is not None else self.deadtime_ms


class AuthMethod(enum.Enum):
    CRC = "crc"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"  # ha_agents extension (HMAC-SHA256); a Heartbeat node cannot read it


@dataclass(frozen=True, slots=True)
class AuthKey:
    index: int
    method: AuthMethod
    key: bytes  # the exact HMAC key bytes (up to the first whitespace, as Heartbeat signs)
    loc: Location


@dataclass(frozen=True, slots=True)
class AuthKeys:
    active: int  # the `auth N` index used to sign
    keys: dict[int, AuthKey] = field(hash=False)
    loc: Location | None = None

    @property
    def signing_key(self) -> AuthKey:
        return self.keys[self.active]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One resource of a haresources group, e.g. ``IPaddr::192.0.2.50/24/eth0``.

    ``name`` is the script name (``IPaddr`` for a bare IP shorthand), ``args`` the
    ``::``-separated arguments, ``text`` the resource exactly as written (the key
    Heartbeat uses in messages such as ``ip-request ipaddr=...``).
    """

    name: str
    args: tuple[str, ...]
    text: str
    loc: Location


@dataclass(frozen=True, slots=True)
class ResourceGroup:
    """One haresources line: preferred (home) node, then resources left to right.

    ``key`` is the first resource's text, as Heartbeat's ResourceManager uses it.
    """

    node: str
    resources: tuple[ResourceSpec, ...]
    loc: Location

    @property
    def key(self) -> str:
        return self.resources[0].text if self.resources else ""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Everything ha_agents reads from a Heartbeat config dir (default /etc/ha.d)."""

    config_dir: str
    hacf: HaCf
    authkeys: AuthKeys
    groups: tuple[ResourceGroup, ...]
    local_node: str

    @property
    def peers(self) -> tuple[str, ...]:
        me = self.local_node.lower()
        return tuple(n for n in self.hacf.nodes if n.lower() != me)
