#!/usr/bin/env python3
"""The client's outage when the web server dies or hangs on the active node (issue 17).

    sudo .venv/bin/python bench/monitor.py [--trials 3] [--systems a,b] [--faults kill,hang]
                                           [--interval 1] [--timeout 1.5] [--window 15]

Each trial builds a fresh lab: nodes n1 (192.0.2.11, the active node) and n2
(192.0.2.12), a client c polling http://192.0.2.50/ every 20 ms (300 ms timeout), and a
real lighttpd on port 80.  Once the client gets answers, the fault hits n1's lighttpd:
``kill`` = SIGKILL, ``hang`` = SIGSTOP (left stopped).  Measured: seconds from the fault to
the client's first answer (``none`` if none came within ``--window``), and who answered.

Systems (same timers: keepalive 200 ms, deadtime 2 s; the check every ``--interval`` s,
killed after ``--timeout`` s):

* ``ha_agents+restart``: the group ``IPaddr httpd::lighttpd::CONF`` (our httpd agent) with
  ``monitor httpd interval=I timeout=T restarts=100``: restarted in place;
* ``ha_agents+move``: the same with ``restarts=0``: the group moves to n2;
* ``ha_agents``: no monitor line (Heartbeat's behaviour);
* ``heartbeat``: real Heartbeat 3.0.6 running the same group (our httpd agent);
* ``keepalived``: keepalived VRRPv3 (advert 0.2 s) with a ``track_script`` (curl, every I
  s, timeout T, fall 1) and lighttpd running on both nodes: the VIP moves to n2.

Not a test: run it when you want numbers.  Compare systems measured in the same run; on
a loaded machine the figures are indicative only.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ha_agents.agent.install import with_shebang
from tests.failover.weblab import VIP, WebCluster
from tests.lab import Host, Lab, procs, wait_until
from tests.lab.heartbeat import make_ha_cf
from tests.lab.keepalived import make_keepalived_conf
from tests.lab.poller import HttpPoller

ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
AGENT = Path(__file__).resolve().parent.parent / "ha_agents" / "agents" / "resource.d" / "httpd"


@dataclass(frozen=True)
class Settings:
    interval: float
    timeout: float
    window: float


@dataclass(frozen=True)
class Trial:
    system: str
    fault: str
    recovery: float | None  # fault -> first answer
    backend: str


# A system starts the cluster (n1 active) and returns the client's poller and the host
# whose lighttpd the fault hits.
System = Callable[[Lab, Settings], tuple[HttpPoller, Host]]


def lighttpd_pid(host: Host) -> int | None:
    inode = procs.ns_inode(f"/run/netns/{host.netns}")
    for pid in procs.pids_in_ns("net", inode) if inode is not None else []:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "lighttpd":
                return pid
        except OSError:
            continue
    return None


def _ha_agents(restarts: int | None) -> System:
    def build(lab: Lab, s: Settings) -> tuple[HttpPoller, Host]:
        line = (
            f"monitor httpd interval={s.interval:g} timeout={s.timeout:g} restarts={restarts} "
            "window=60\n"
            if restarts is not None
            else ""
        )
        c = WebCluster.build(lab, line)
        c.start()
        assert c.poller is not None
        if restarts is not None:
            rows = lambda: c.monitor_row("node1").get("last_result")  # noqa: E731
            assert wait_until(lambda: rows() == "running", 15), c.logs()
        return c.poller, c.hosts["node1"]

    return build


def _static_www(lab: Lab, name: str) -> Path:
    root = lab.tmpdir / f"static-{name}"
    (root / "www").mkdir(parents=True)
    (root / "www" / "index.html").write_text(name)
    conf = root / "lighttpd.conf"
    conf.write_text(
        f'server.document-root = "{root / "www"}"\nserver.port = 80\n'
        f'index-file.names = ("index.html")\nserver.pid-file = "{root / "pid"}"\n'
    )
    return conf


def _poller(lab: Lab) -> HttpPoller:
    client = lab.add_client("c", "192.0.2.100/24")
    return HttpPoller(client, f"http://{VIP}/", interval=0.02, timeout=0.3, duration=600)


def _heartbeat(lab: Lab, s: Settings) -> tuple[HttpPoller, Host]:
    conf = _static_www(lab, "web")
    ha_cf = make_ha_cf(ADDRS, keepalive="200ms", deadtime="2", initdead="4")
    haresources = f"node1 IPaddr::{VIP}/24/eth0 httpd::lighttpd::{conf}\n"
    agent = with_shebang(AGENT.read_text(), sys.executable)
    hosts = [lab.add_host(f"n{i}", f"{a}/24") for i, a in enumerate(ADDRS.values(), 1)]
    for host, name in zip(hosts, ADDRS, strict=True):
        lab.add_heartbeat_node(host, name, ha_cf, haresources, scripts={"httpd": agent}).start()
    poller = HttpPoller(
        lab.add_client("c", "192.0.2.100/24"), f"http://{VIP}/", interval=0.02, timeout=0.3
    )
    if not poller.start().wait_ok(90):
        raise RuntimeError("heartbeat: the VIP was never served")
    return poller, hosts[0]


def _keepalived(lab: Lab, s: Settings) -> tuple[HttpPoller, Host]:
    hosts = [lab.add_host(f"n{i}", f"{a}/24") for i, a in enumerate(ADDRS.values(), 1)]
    for i, (host, name) in enumerate(zip(hosts, ADDRS, strict=True)):
        host.popen(["lighttpd", "-D", "-f", str(_static_www(lab, name))])
        peer = [a for n, a in ADDRS.items() if n != name]
        conf = make_keepalived_conf(
            name, f"{VIP}/24", priority=150 - 50 * i, advert_int=0.2,
            unicast_peers=peer, src_ip=ADDRS[name],
        )  # fmt: skip
        lab.add_keepalived_node(host, name, _track(conf, s)).start()
    poller = HttpPoller(
        lab.add_client("c", "192.0.2.100/24"), f"http://{VIP}/", interval=0.02, timeout=0.3
    )
    if not poller.start().wait_ok(30, backend="node1"):
        raise RuntimeError("keepalived: node1 never served the VIP")
    return poller, hosts[0]


def _track(conf: str, s: Settings) -> str:
    """The VRRP config with a track_script: curl must get the page within the timeout."""
    check = (
        "vrrp_script chk_web {\n"
        f'  script "/usr/bin/curl -sf -o /dev/null -m {s.timeout:g} http://127.0.0.1/"\n'
        f"  interval {s.interval:g}\n  timeout {s.timeout:g}\n  fall 1\n  rise 1\n}}\n"
    )
    conf = conf.replace("vrrp_instance VI_1 {", check + "vrrp_instance VI_1 {")
    track = "  track_script {\n    chk_web\n  }\n  virtual_ipaddress {"
    return conf.replace("global_defs {", "global_defs {\n  script_user root", 1).replace(
        "  virtual_ipaddress {", track
    )


SYSTEMS: dict[str, System] = {
    "ha_agents+restart": _ha_agents(100),
    "ha_agents+move": _ha_agents(0),
    "ha_agents": _ha_agents(None),
    "heartbeat": _heartbeat,
    "keepalived": _keepalived,
}
NEVER_RECOVER = ("ha_agents", "heartbeat")  # one trial is enough to see it
FAULTS = {"kill": signal.SIGKILL, "hang": signal.SIGSTOP}


def run_trial(system: str, fault: str, s: Settings) -> Trial:
    with Lab("bm") as lab:
        poller, host = SYSTEMS[system](lab, s)
        time.sleep(2.0)  # steady answers, a few checks done
        pid = lighttpd_pid(host)
        if pid is None:
            raise RuntimeError(f"{system}: no lighttpd on {host.name}")
        t0 = time.monotonic()
        procs.send(pid, FAULTS[fault])
        poller.wait_ok(s.window, after=t0 + 0.05)
        samples = poller.stop()
        first = next((x for x in samples if x.ok and x.start > t0 + 0.05), None)
        if fault == "hang":
            procs.send(pid, signal.SIGCONT)
        if first is None:
            return Trial(system, fault, None, "-")
        return Trial(system, fault, first.end - t0, first.backend)


def _fmt(values: list[float | None], window: float) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return f"none within {window:g} s"
    text = f"{statistics.median(got):6.3f} [{min(got):.3f}-{max(got):.3f}]"
    miss = len(values) - len(got)
    return text + (f" ({miss} none within {window:g} s)" if miss else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--systems", default=",".join(SYSTEMS), help="of: " + ", ".join(SYSTEMS))
    ap.add_argument("--faults", default=",".join(FAULTS))
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--window", type=float, default=15.0)
    args = ap.parse_args(argv)
    systems = [x for x in args.systems.split(",") if x]
    faults = [x for x in args.faults.split(",") if x]
    bad = [x for x in systems if x not in SYSTEMS] + [x for x in faults if x not in FAULTS]
    if bad or not 1 <= args.trials <= 50:
        print(f"monitor: unknown {bad} or bad --trials", file=sys.stderr)
        return 2
    s = Settings(args.interval, args.timeout, args.window)
    trials: list[Trial] = []
    for i in range(args.trials):
        for fault in faults:
            for system in systems:
                if i and system in NEVER_RECOVER:
                    continue
                t = run_trial(system, fault, s)
                trials.append(t)
                print(f"# {i + 1} {system:18} {fault}: {t}", file=sys.stderr, flush=True)
    print(
        f"\nclient outage, fault -> first answer, median [min-max] s; check every "
        f"{s.interval:g} s, timeout {s.timeout:g} s; {args.trials} trials (1 for systems "
        "that never recover)\n"
    )
    print("| system | fault | outage | answered by |")
    print("|---|---|---|---|")
    for system in systems:
        for fault in faults:
            ts = [t for t in trials if t.system == system and t.fault == fault]
            who = ",".join(sorted({t.backend for t in ts}))
            print(f"| {system} | {fault} | {_fmt([t.recovery for t in ts], s.window)} | {who} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
