#!/usr/bin/env python3
"""What real Heartbeat 3.0.6 does with haresources on three nodes (needs root; the ground
truth behind `check`'s HR209; not a test).

    python bench/heartbeat_three_nodes.py [--auto-failback on|off|legacy]

Three Heartbeat nodes (ucast, keepalive 200 ms, deadtime 1 s), haresources
``node1 IPaddr::192.0.2.50/24/eth0`` and ``node2 IPaddr::192.0.2.51/24/eth0``.  Prints
who holds each address after start, after a power loss of node1 (SIGKILL + cable cut),
and after node1 returns, with every node's cl_status view and the ERROR lines it logged.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab import Lab, wait_until
from tests.lab.cluster import vip_holders
from tests.lab.heartbeat import HeartbeatNode, make_ha_cf

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12", "node3": "192.0.2.13"}
VIPS = ("192.0.2.50", "192.0.2.51")
HARESOURCES = "node1 IPaddr::192.0.2.50/24/eth0\nnode2 IPaddr::192.0.2.51/24/eth0\n"


def _report(label: str, lab: Lab, hb: dict[str, HeartbeatNode]) -> None:
    hosts = [lab.hosts[f"n{n[-1]}"] for n in NODES]
    held = {vip: vip_holders(hosts, vip) for vip in VIPS}
    print(f"-- {label}: " + ", ".join(f"{v} on {h or 'nobody'}" for v, h in held.items()))
    for name, node in hb.items():
        if node.running():
            seen = {n: node.nodestatus(n) for n in NODES}
            rsc = node.cl_status("rscstatus").stdout.strip()
            print(f"   {name}: nodestatus {seen}, rscstatus {rsc}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--auto-failback", default="on", choices=("on", "off", "legacy"))
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 1
    cf = make_ha_cf(NODES, keepalive="200ms", deadtime="1", initdead="2",
                    auto_failback=args.auto_failback)  # fmt: skip
    with Lab("h3") as lab:
        hb = {}
        for i, (name, addr) in enumerate(NODES.items(), start=1):
            host = lab.add_host(f"n{i}", f"{addr}/24")
            hb[name] = lab.add_heartbeat_node(host, name, cf, haresources=HARESOURCES)
            hb[name].start()
        hosts = [lab.hosts[f"n{i}"] for i in (1, 2, 3)]
        wait_until(lambda: all(vip_holders(hosts, v) for v in VIPS), 40, interval=0.5)
        _report("started", lab, hb)
        hb["node1"].kill(signal.SIGKILL)
        lab.hosts["n1"].link_down()
        survivors = [lab.hosts["n2"], lab.hosts["n3"]]
        wait_until(lambda: len(vip_holders(survivors, VIPS[0])) > 1, 20, interval=0.5)
        time.sleep(3)  # let both takeovers finish
        _report("node1 powered off (n1 keeps its address, its cable is cut)", lab, hb)
        lab.hosts["n1"].run(["ip", "addr", "del", f"{VIPS[0]}/24", "dev", "eth0"], check=False)
        lab.hosts["n1"].link_up()
        hb["node1"].start()
        wait_until(lambda: vip_holders(hosts, VIPS[0]) == ["n1"], 40, interval=0.5)
        _report("node1 back", lab, hb)
        for name in ("node2", "node3"):
            errors = [ln for ln in hb[name].log().splitlines() if "ERROR: Both" in ln]
            print(f"   {name} logged {len(errors)} 'Both machines own ...' errors, e.g.")
            print("     " + "\n     ".join(sorted(set(e.split(": ", 2)[-1] for e in errors))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
