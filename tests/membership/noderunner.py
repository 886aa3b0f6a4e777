"""Run one ha_agents daemon from a JSON spec (test helper, used until/unless the config
loader is available; the tests prefer ``ha-agents run`` when it is).

usage: python -m tests.membership.noderunner SPEC.json
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from ha_agents.config.model import (
    AuthKey,
    AuthKeys,
    AuthMethod,
    ClusterConfig,
    HaCf,
    Location,
    Medium,
    MediumKind,
)
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.loop import Daemon, Paths


def build(spec: dict[str, object]) -> ClusterConfig:
    loc = Location("spec", 1)
    media = tuple(
        Medium(
            MediumKind(m["kind"]),
            m["dev"],
            loc,
            port=m.get("port", 694),
            group=m.get("group"),
            peer=m.get("peer"),
            ttl=m.get("ttl"),
            loop=m.get("loop"),
            baud=m.get("baud"),
        )
        for m in spec["media"]  # type: ignore[union-attr]
    )
    t = spec["timers"]  # type: ignore[index]
    hacf = HaCf(
        nodes=tuple(spec["nodes"]),  # type: ignore[arg-type]
        media=media,
        keepalive_ms=t[0],
        warntime_ms=t[1],
        deadtime_ms=t[2],
        initdead_ms=t[3],
        logfile=spec.get("logfile"),  # type: ignore[arg-type]
        parameters={"keepalive": str(t[0]) + "ms"},
    )
    method, key = spec["auth"]  # type: ignore[misc]
    keys = AuthKeys(1, {1: AuthKey(1, AuthMethod(method), key.encode(), loc)})
    return ClusterConfig("spec", hacf, keys, (), spec["node"])  # type: ignore[arg-type]


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    config = build(spec)
    log = HbLog(config.local_node, config.hacf.logfile)
    paths = Paths(Path(spec["state_dir"]), Path(spec["run_dir"]))
    return asyncio.run(Daemon(config, paths, log).run())


if __name__ == "__main__":
    raise SystemExit(main())
