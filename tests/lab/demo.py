"""``python -m tests.lab.demo`` (``make demo``): two ha_agents nodes, a floating IP and a
web server in network namespaces; the active node fails and the client's requests move
to the other node.

Needs root (network namespaces).  Everything is created under a unique lab prefix with
TEST-NET-1 addresses only and removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

FAULTS = ("kill", "hang", "cut", "stop", "standby")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tests.lab.demo",
        description="Create two node namespaces and a client namespace, run two ha_agents "
        "nodes with the floating IP 192.0.2.50 and a web server each, make the active node "
        "fail, and print the client's requests moving over with timestamps (needs root).",
    )
    p.add_argument(
        "--config-dir",
        default="conf",
        metavar="DIR",
        help="take timers and auto_failback from this cluster when it loads (default conf)",
    )
    p.add_argument("--fault", choices=FAULTS, default="kill", help="default: kill (power loss)")
    p.add_argument("--keepalive-ms", type=int, default=None)
    p.add_argument("--deadtime-ms", type=int, default=None)
    return p


def _ts(mono: float, mono0: float, wall0: float) -> str:
    t = datetime.datetime.fromtimestamp(wall0 + (mono - mono0))
    return t.strftime("%H:%M:%S.%f")[:-3]


@dataclass(frozen=True)
class DemoCluster:
    """What the demo takes from the config dir (or its built-in defaults)."""

    keepalive_ms: int = 100
    deadtime_ms: int = 500
    auto_failback: str = "on"
    names: tuple[str, str] = ("node1", "node2")
    vip: str = "192.0.2.50"
    where: str = "built-in demo settings"


def _first_node(config_dir: str) -> str | None:
    try:
        with open(os.path.join(config_dir, "ha.cf"), encoding="utf-8", errors="replace") as f:
            for line in f:
                words = line.split("#", 1)[0].split()
                if len(words) >= 2 and words[0] == "node":
                    return words[1]
    except OSError:
        return None
    return None


def _from_config(config_dir: str) -> DemoCluster:
    """The cluster of ``config_dir`` (loaded as its first node, from a private copy with
    authkeys at 0600), moved onto the lab: its first two nodes become the two namespaces,
    its first IPaddr the VIP when that is a TEST-NET-1 address.  Other resources of the
    group are replaced by the demo's web servers."""
    try:
        from ha_agents.config.load import load_config
    except ImportError:
        return DemoCluster(where="built-in demo settings (no config loader installed)")
    if not os.path.isdir(config_dir):
        return DemoCluster(where=f"built-in demo settings (no directory {config_dir})")
    with tempfile.TemporaryDirectory(prefix="ha-demo-") as tmp:
        copy = os.path.join(tmp, "conf")
        try:
            shutil.copytree(config_dir, copy)
            if os.path.exists(os.path.join(copy, "authkeys")):
                os.chmod(os.path.join(copy, "authkeys"), 0o600)
            config, _diags = load_config(copy, _first_node(copy))
        except OSError as exc:
            return DemoCluster(where=f"built-in demo settings ({config_dir}: {exc.strerror})")
    if config is None or len(config.hacf.nodes) < 2:
        return DemoCluster(where=f"built-in demo settings ({config_dir} does not load)")
    h = config.hacf
    vip = "192.0.2.50"
    for g in config.groups:
        for r in g.resources:
            if r.name == "IPaddr" and r.args:
                candidate = r.args[0].split("/", 1)[0]
                if candidate.startswith("192.0.2.") and candidate not in (
                    "192.0.2.1",
                    "192.0.2.11",
                    "192.0.2.12",
                    "192.0.2.20",
                ):
                    vip = candidate
                break
        break
    return DemoCluster(
        h.keepalive_ms,
        h.deadtime_ms,
        h.auto_failback.value,
        (h.nodes[0], h.nodes[1]),
        vip,
        f"the cluster of {config_dir}",
    )


def handle(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        print("ha-agents demo: needs root (it creates network namespaces)", file=sys.stderr)
        return 1
    demo = _from_config(args.config_dir)
    keepalive = args.keepalive_ms or demo.keepalive_ms
    deadtime = args.deadtime_ms or demo.deadtime_ms
    if not 0 < keepalive < deadtime:
        print("ha-agents demo: keepalive must be below deadtime", file=sys.stderr)
        return 2
    demo = dataclasses.replace(demo, keepalive_ms=keepalive, deadtime_ms=deadtime)
    try:
        return _run(args.fault, demo)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaned up")
        return 130


def _run(fault: str, demo: DemoCluster) -> int:
    from tests.lab import Lab, LabError, wait_until
    from tests.lab.cluster import ClusterSpec, start_ha_agents, vip_holders
    from tests.lab.httpserver import serve_name
    from tests.lab.poller import HttpPoller

    a, b = demo.names
    deadtime = demo.deadtime_ms
    spec = ClusterSpec(
        {a: "192.0.2.11", b: "192.0.2.12"},
        keepalive_ms=demo.keepalive_ms,
        deadtime_ms=deadtime,
        auto_failback=demo.auto_failback,
        vip=demo.vip,
        media="ucast",
    )
    wall0, mono0 = time.time(), time.monotonic()

    def say(text: str) -> None:
        print(f"{_ts(time.monotonic(), mono0, wall0)}  {text}", flush=True)

    say(f"{demo.where}: keepalive {demo.keepalive_ms} ms, deadtime {deadtime} ms,")
    say(f"auto_failback {demo.auto_failback}, VIP {demo.vip} homed on {a}")
    try:
        with Lab("demo") as lab:
            h1 = lab.add_host("n1", "192.0.2.11/24")
            h2 = lab.add_host("n2", "192.0.2.12/24")
            client = lab.add_host("client", "192.0.2.20/24")
            say(f"namespaces: {a} 192.0.2.11, {b} 192.0.2.12, client 192.0.2.20")
            for h in (h1, h2):
                serve_name(h, a if h is h1 else b)
            n1 = start_ha_agents(lab, h1, a, spec)
            n2 = start_ha_agents(lab, h2, b, spec)
            say("started two ha_agents nodes; a web server on each answers its node name")
            if not wait_until(lambda: vip_holders([h1, h2], spec.vip) == ["n1"], 15):
                say(f"{a} did not take the VIP; its log:\n" + n1.log()[-3000:])
                return 1
            poller = HttpPoller(client, f"http://{spec.vip}/", interval=0.02).start()
            if not poller.wait_ok(5):
                say("the client cannot reach the VIP")
                return 1
            say(f"client polls http://{spec.vip}/ every 20 ms; {a} answers")
            n1.wait_steady()  # past the start-up window of a longer announced deadtime
            n2.wait_steady()
            t_fault = time.monotonic()
            say(_FAULT_TEXT[fault].format(node=a))
            _inject(fault, n1, h1)
            moved = poller.wait_ok(max(10.0, 4 * deadtime / 1000), after=t_fault, backend=b)
            time.sleep(0.5)
            samples = poller.stop()
            _print_timeline(samples, t_fault, mono0, wall0)
            if not moved:
                say(f"the service did not come back from {b}; its log:")
                print(n2.log()[-3000:])
                return 1
            first = next(s for s in samples if s.ok and s.start > t_fault and s.backend == b)
            failed = sum(1 for s in samples if t_fault <= s.start < first.start and not s.ok)
            say(
                f"{b} serves the VIP: first answer {first.end - t_fault:.3f} s after the "
                f"fault ({failed} failed requests); cleaning up"
            )
            if fault == "hang":
                n1.kill(signal.SIGCONT)
    except LabError as exc:
        print(f"ha-agents demo: {exc}", file=sys.stderr)
        return 1
    say("done: namespaces and processes removed")
    return 0


_FAULT_TEXT = {
    "kill": "FAULT: power loss of {node} (SIGKILL of its daemon + its cable pulled)",
    "hang": "FAULT: {node} hangs (SIGSTOP of its daemon)",
    "cut": "FAULT: {node}'s cable is cut",
    "stop": "FAULT: orderly stop of {node} (SIGTERM)",
    "standby": "ACTION: ha-agents standby on {node}",
}


def _inject(fault: str, node: object, host: object) -> None:
    from tests.lab import Host
    from tests.lab.cluster import LabNode

    assert isinstance(node, LabNode) and isinstance(host, Host)
    if fault == "kill":
        node.kill(signal.SIGKILL)
        host.link_down()
    elif fault == "hang":
        node.kill(signal.SIGSTOP)
    elif fault == "cut":
        host.link_down()
    elif fault == "stop":
        node.stop()
    else:
        node.ctl("standby")


def _print_timeline(samples: Sequence[object], t_fault: float, mono0: float, wall0: float) -> None:
    """One line per run of identical outcomes (answering node, or the error)."""
    from tests.lab.outage import Sample

    runs: list[tuple[str, Sample, Sample, int]] = []
    for s in samples:
        assert isinstance(s, Sample)
        if s.start < t_fault - 1.0:
            continue
        what = f"answered by {s.backend}" if s.ok else f"failed ({s.error or s.status})"
        if runs and runs[-1][0] == what:
            runs[-1] = (what, runs[-1][1], s, runs[-1][3] + 1)
        else:
            runs.append((what, s, s, 1))
    print("client requests (fault = 0.000 s):")
    for what, a, b, n in runs:
        print(
            f"  {_ts(a.start, mono0, wall0)} .. {_ts(b.end, mono0, wall0)}"
            f"  [{a.start - t_fault:+7.3f} s .. {b.end - t_fault:+7.3f} s]"
            f"  {n:4d} request(s) {what}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    return handle(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
