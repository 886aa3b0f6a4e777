#!/usr/bin/env python3
"""The CTS kinds of tests/logs (ctskinds.py) on a pair of REAL Heartbeat 3.0.6 nodes in
the lab: the baseline for what CTS's patterns and bad-news audit say about Heartbeat
itself (docs/heartbeat/logs.md).  Root, Debian heartbeat installed; about 4 minutes.

    .venv/bin/python tools/cts_heartbeat.py [--log FILE]

Prints, per kind, the CM_hb.py patterns not found and the bad-news lines; ``--log``
keeps the combined log.  Same cluster as the suite's (tests/logs/ctsrun.py: ucast,
keepalive 200 ms, deadtime 1 s, initdead 3 s), each node's ``logfile`` the one log.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lab import Lab
from tests.lab.cluster import AUTHKEYS
from tests.lab.netns import Host
from tests.logs.ctskinds import run_all
from tests.logs.ctsrun import SPEC, CtsRun, Member

HB_STANDBY = "/usr/share/heartbeat/hb_standby"


class HeartbeatMember:
    """A real Heartbeat node behind the methods the kinds use."""

    def __init__(self, lab: Lab, host: Host, name: str, logfile: Path) -> None:
        cf = SPEC.ha_cf(f"logfile {logfile}")
        self.hb = lab.add_heartbeat_node(host, name, cf, SPEC.haresources(), AUTHKEYS)

    def start(self) -> None:
        self.hb.start()

    def stop(self, timeout: float = 20.0) -> bool:
        return self.hb.stop(timeout)

    def kill(self, sig: int = signal.SIGKILL) -> list[int]:
        return self.hb.kill(sig)

    def running(self) -> bool:
        return self.hb.running()

    def ready(self) -> bool:
        return self.hb.cl_status("hbstatus").returncode == 0

    def ctl(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        if args[:1] == ("standby",):
            return self.hb.run_in([HB_STANDBY, *args[1:]], timeout=timeout)
        if args[:1] == ("status",):
            return self.hb.cl_status(*args[1:], timeout=timeout)
        raise ValueError(f"no Heartbeat command for {args}")


def heartbeat_node(lab: Lab, host: Host, name: str, logfile: Path) -> Member:
    return HeartbeatMember(lab, host, name, logfile)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", type=Path, help="write the combined log here")
    args = ap.parse_args()
    with Lab("ctshb") as lab:
        run = CtsRun(lab, heartbeat_node)
        run.settle_s = 120.0  # Heartbeat waits ~10 s to acquire, and restarts itself
        try:
            run_all(run)
        finally:
            if args.log:
                args.log.write_text(run.watch.path.read_text())
            for s in run.steps:
                print(f"{s.kind} {s.node or 'all'}: unmatched {s.unmatched}")
                facts = {k: v for k, v in s.facts.items() if k != "mark"}
                if facts:
                    print(f"   {facts}")
                for line in s.bad_news:
                    print(f"   BadNews: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
