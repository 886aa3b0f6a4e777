#!/usr/bin/env python3
"""Failover baselines: real Heartbeat 3.0.6 and keepalived, as a client sees them.

    sudo .venv/bin/python bench/baselines.py [--trials 5] [--systems a,b] [--faults power,hang]

Each trial builds a fresh lab: nodes n1 (192.0.2.11, preferred owner) and n2
(192.0.2.12), a client c (192.0.2.100) polling http://192.0.2.50/ every 10 ms, and on
both nodes a tiny web server that answers its node name.  The cluster manager under test
moves the VIP 192.0.2.50.  Once the client gets answers from n1, a fault hits n1:

* ``power``: every process of the manager gets SIGKILL and n1's cable is cut at once
  (the web server becomes unreachable too);
* ``hang``:  every process of the manager gets SIGSTOP (the web server keeps running).

Measured from the fault: (a) ``vip`` — the VIP appears on n2 (polled every ~20 ms),
(b) ``client`` — the first HTTP answer from n2 (requests time out after 0.1 s, so a
request sent to the dead owner costs at most that), (c) ``gap`` — the client's longest run
without an answer (0 when n1 kept answering).  Prints median/min/max per system and
fault.  Add a system by adding a builder to SYSTEMS (see ``_heartbeat``).

Not a test: run it when you want numbers.  Compare systems measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab import Host, Lab, LabError, wait_until
from tests.lab.heartbeat import make_ha_cf
from tests.lab.httpserver import serve_name
from tests.lab.keepalived import make_keepalived_conf
from tests.lab.outage import failure_windows, first_from
from tests.lab.poller import HttpPoller

VIP = "192.0.2.50"
ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12"}

# A builder starts the manager on (n1, n2) and returns a function that signals
# every process of the manager on n1.
Builder = Callable[[Lab, Host, Host], Callable[[int], object]]


def _heartbeat(keepalive: str, deadtime: str) -> Builder:
    def build(lab: Lab, n1: Host, n2: Host) -> Callable[[int], object]:
        ha_cf = make_ha_cf(
            ADDRS, keepalive=keepalive, deadtime=deadtime, initdead="1", auto_failback="on"
        )
        haresources = f"node1 IPaddr::{VIP}/24/eth0\n"
        nodes = [
            lab.add_heartbeat_node(h, name, ha_cf, haresources)
            for h, name in ((n1, "node1"), (n2, "node2"))
        ]
        for node in nodes:
            node.start()
        return nodes[0].kill

    return build


def _keepalived(advert: float) -> Builder:
    def build(lab: Lab, n1: Host, n2: Host) -> Callable[[int], object]:
        nodes = []
        for h, name, prio in ((n1, "node1", 150), (n2, "node2", 100)):
            peers = [a for n, a in ADDRS.items() if n != name]
            conf = make_keepalived_conf(
                name,
                f"{VIP}/24",
                priority=prio,
                advert_int=advert,
                unicast_peers=peers,
                src_ip=ADDRS[name],
            )
            nodes.append(lab.add_keepalived_node(h, name, conf))
        for node in nodes:
            node.start()
        return nodes[0].kill

    return build


SYSTEMS: dict[str, Builder] = {
    "heartbeat 100ms/500ms": _heartbeat("100ms", "500ms"),
    "keepalived v3 0.1s": _keepalived(0.1),
}
FAULTS = ("power", "hang")


@dataclass
class Trial:
    system: str
    fault: str
    vip: float | None  # fault -> VIP on n2
    client: float | None  # fault -> first answer from n2
    gap: float  # longest run without an answer around the fault


def _has_vip(host: Host) -> bool:
    try:
        return any(a.split("/")[0] == VIP for a in host.addresses("eth0"))
    except LabError:  # one failed look (e.g. `ip` killed from outside): just look again
        return False


def run_trial(system: str, build: Builder, fault: str, timeout: float = 20.0) -> Trial:
    with Lab("bl") as lab:
        n1 = lab.add_host("n1", f"{ADDRS['node1']}/24")
        n2 = lab.add_host("n2", f"{ADDRS['node2']}/24")
        client = lab.add_client("c", "192.0.2.100/24")
        serve_name(n1, "node1")
        serve_name(n2, "node2")
        kill = build(lab, n1, n2)
        poller = HttpPoller(client, f"http://{VIP}/", interval=0.01, timeout=0.1).start()
        if not (wait_until(lambda: _has_vip(n1), 60) and poller.wait_ok(30, backend="node1")):
            raise RuntimeError(f"{system}: n1 never served the VIP")
        time.sleep(1.0)  # settle: steady answers from n1
        t0 = time.monotonic()
        if fault == "power":
            kill(signal.SIGKILL)
            n1.link_down()
        else:
            kill(signal.SIGSTOP)
        vip_at: float | None = None
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if vip_at is None and _has_vip(n2):
                vip_at = time.monotonic()
            s = first_from(poller.samples(), t0, "node2")
            if vip_at is not None and s is not None:
                break
            time.sleep(0.01)
        if fault == "hang":
            kill(signal.SIGCONT)
        samples = poller.stop()
        first = first_from(samples, t0, "node2")
        around = [s for s in samples if s.start > t0 - 1.0]
        gaps = [w.duration for w in failure_windows(around) if w.duration is not None]
        return Trial(
            system,
            fault,
            None if vip_at is None else vip_at - t0,
            None if first is None else first.end - t0,
            max(gaps, default=0.0),
        )


def _fmt(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    miss = len(values) - len(got)
    if not got:
        return "n/a"
    text = f"{statistics.median(got):6.3f} [{min(got):.3f}-{max(got):.3f}]"
    return text + (f" ({miss} missed)" if miss else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument(
        "--systems", default=",".join(SYSTEMS), help="comma list of: " + ", ".join(SYSTEMS)
    )
    ap.add_argument("--faults", default=",".join(FAULTS))
    ap.add_argument("--json", action="store_true", help="also print every trial as JSON")
    args = ap.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    bad = [s for s in systems if s not in SYSTEMS] + [f for f in faults if f not in FAULTS]
    if bad or not 1 <= args.trials <= 100:
        print(f"baselines: unknown system/fault {bad} or bad --trials", file=sys.stderr)
        return 2
    trials: list[Trial] = []
    # interleave systems trial by trial so drift hits all of them alike
    for i in range(args.trials):
        for fault in faults:
            for system in systems:
                try:
                    t = run_trial(system, SYSTEMS[system], fault)
                except Exception as e:  # one broken trial should not lose the run
                    print(f"# trial {i + 1} {system} {fault}: failed ({e}); again", file=sys.stderr)
                    t = run_trial(system, SYSTEMS[system], fault)
                trials.append(t)
                print(
                    f"# trial {i + 1} {system:24} {fault:5} vip={t.vip} client={t.client} "
                    f"gap={t.gap:.3f}",
                    file=sys.stderr,
                    flush=True,
                )
    print(f"\nmedian [min-max] seconds from fault, {args.trials} trials each\n")
    print(f"| {'system':24} | fault | VIP on survivor | first answer from survivor | client gap |")
    print("|---|---|---|---|---|")
    for system in systems:
        for fault in faults:
            ts = [t for t in trials if t.system == system and t.fault == fault]
            print(
                f"| {system:24} | {fault:5} | {_fmt([t.vip for t in ts])} | "
                f"{_fmt([t.client for t in ts])} | {_fmt([float(t.gap) for t in ts])} |"
            )
    if args.json:
        print(json.dumps([asdict(t) for t in trials], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
