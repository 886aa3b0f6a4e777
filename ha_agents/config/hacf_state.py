"""The mutable state of one ha.cf parse (pure), shared by the directive handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from ha_agents.config.diagnostics import Diagnostic, error, warning
from ha_agents.config.model import AutoFailback, Location, Medium, PingNode


@dataclass
class Builder:
    path: str
    diags: list[Diagnostic] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    media: list[Medium] = field(default_factory=list)
    pings: list[PingNode] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # last word as written
    times: dict[str, int] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    respawn: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    failfast: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    stonith: list[tuple[str, str]] = field(default_factory=list)
    stonith_hosts: list[tuple[str, ...]] = field(default_factory=list)
    apiauth: list[tuple[str, ...]] = field(default_factory=list)
    udpport: int = 694
    udpport_set_at: int | None = None
    baud: int = 19200
    watchdog: str | None = None
    pacemaker: bool = False
    pacemaker_lines: list[int] = field(default_factory=list)
    udp_media_lines: list[int] = field(default_factory=list)
    auto_failback: AutoFailback = AutoFailback.LEGACY
    nice_failback_line: int | None = None
    seen: dict[str, int] = field(default_factory=dict)
    entry_locs: dict[str, list[Location]] = field(default_factory=dict)

    def entry(self, name: str, line: int) -> None:
        self.entry_locs.setdefault(name, []).append(self.loc(line))

    def err(self, line: int, code: str, msg: str) -> None:
        self.diags.append(error(self.path, line, code, msg))

    def warn(self, line: int, code: str, msg: str) -> None:
        self.diags.append(warning(self.path, line, code, msg))

    def loc(self, line: int) -> Location:
        return Location(self.path, line)
