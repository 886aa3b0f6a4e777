"""Latency of SDK agents per call (a real process each time, as a cluster runs them).

Run: .venv/bin/python tests/agent/bench_sdk.py   (needs redis-server)
Prints medians in ms: example (new-agent) monitor and meta-data; redis start (until PING
answers and the SDK's check after start), monitor, stop.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from ha_agents.agent.install import install_agent
from ha_agents.agent.scaffold import agent_source
from ha_agents.agent.testing import Convention, invoke
from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())


def timed(agent: Path, action: str, params: Mapping[str, str]) -> float:
    start = time.monotonic()
    res = invoke(agent, Convention.OCF, action, params)
    if res.rc not in (0, 7):
        raise SystemExit(f"{agent.name} {action} exited {res.rc}: {res.stderr}")
    return (time.monotonic() - start) * 1000


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ha-agent-bench-"))
    try:
        example = work / "example"
        example.write_text(agent_source("example", sys.executable))
        example.chmod(0o755)
        redis = install_agent(AGENTS_DIR / "redis", work / "redis", sys.executable)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ep = {"state_dir": str(work / "state")}
        rp = {"port": str(port), "datadir": str(work / "data"), "pidfile": str(work / "r.pid")}
        rows = {
            "example monitor": [timed(example, "monitor", ep) for _ in range(10)],
            "example meta-data": [timed(example, "meta-data", {}) for _ in range(10)],
        }
        starts, monitors, stops = [], [], []
        for _ in range(5):
            starts.append(timed(redis, "start", rp))
            monitors += [timed(redis, "monitor", rp) for _ in range(3)]
            stops.append(timed(redis, "stop", rp))
        rows |= {"redis start": starts, "redis monitor": monitors, "redis stop": stops}
        for name, values in rows.items():
            print(f"{name:<20} median {statistics.median(values):7.1f} ms  (n={len(values)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
