"""Measured failover of real ha_agents daemons against `ha-agents simulate`'s prediction.

    sudo .venv/bin/python -m tests.export.measure_failover [--trials 3]

Not a test (it takes ~15 s a trial): it prints the numbers compared in the export report.
A lab with n1 (192.0.2.11, home of the VIP 192.0.2.50), n2 (192.0.2.12) and a client
polling http://192.0.2.50/ every 10 ms; both nodes run `ha-agents run` with
keepalive 0.1 s, deadtime 0.5 s and `node1 IPaddr::192.0.2.50/24/eth0`.  The fault is a
power loss of n1 (daemon SIGKILL + cable cut).  Measured from the fault: the VIP on n2
and the client's outage.  The script duration fed to the simulator is measured the same
way the daemon runs the agent: our IPaddr's ``status`` then ``start`` on n2 (another IP).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

from ha_agents.config.load import load_config
from ha_agents.export.simulator import Fault, predict
from tests.lab import Host, Lab, wait_until
from tests.lab.httpserver import serve_name
from tests.lab.outage import failure_windows, first_from
from tests.lab.poller import HttpPoller

REPO = Path(__file__).resolve().parents[2]
VIP = "192.0.2.50"
ADDRS = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
HA_CF = """keepalive 0.1
warntime 0.3
deadtime 0.5
initdead 1
ucast eth0 {peer}
auto_failback on
logfile {log}
node node1
node node2
"""


def _config(root: Path, node: str) -> Path:
    d = root / f"etc-{node}"
    d.mkdir()
    peer = next(a for n, a in ADDRS.items() if n != node)
    (d / "ha.cf").write_text(HA_CF.format(peer=peer, log=root / f"{node}.log"))
    (d / "haresources").write_text(f"node1 IPaddr::{VIP}/24/eth0\n")
    (d / "authkeys").write_text("auth 1\n1 sha1 measure-secret\n")
    (d / "authkeys").chmod(0o600)
    return d


def _has_vip(host: Host) -> bool:
    return any(a.split("/")[0] == VIP for a in host.addresses("eth0"))


def _agent_duration(host: Host, conf: Path) -> float:
    """What the daemon's group runner spends acquiring an IPaddr group (status, then start),
    from `ha-agents resource start --json` step durations on n2 (another IP; median of 3)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    spec = "IPaddr::192.0.2.60/24/eth0"
    base = [sys.executable, "-m", "ha_agents", "resource"]
    times = []
    for _ in range(3):
        cp = host.run([*base, "start", "--json", "--config-dir", str(conf), spec], env=env)
        times.append(sum(step["duration_s"] for step in json.loads(cp.stdout)["steps"]))
        host.run([*base, "stop", "--config-dir", str(conf), spec], env=env)
    return statistics.median(times)


def trial(fault: str) -> tuple[float | None, float | None, float, float]:
    with Lab("mf") as lab:
        n1 = lab.add_host("n1", f"{ADDRS['node1']}/24")
        n2 = lab.add_host("n2", f"{ADDRS['node2']}/24")
        client = lab.add_client("c", "192.0.2.100/24")
        serve_name(n1, "node1")
        serve_name(n2, "node2")
        confs = {node: _config(lab.tmpdir, node) for node in ADDRS}
        duration = _agent_duration(n2, confs["node2"])
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        procs = {}
        for host, node in ((n1, "node1"), (n2, "node2")):
            conf = confs[node]
            argv = [sys.executable, "-m", "ha_agents", "run", "--config-dir", str(conf)]
            argv += ["--node", node, "--state-dir", str(lab.tmpdir / f"state-{node}")]
            argv += ["--run-dir", str(lab.tmpdir / f"run-{node}")]
            procs[node] = host.popen(argv, env=env)
        started = time.monotonic()
        poller = HttpPoller(client, f"http://{VIP}/", interval=0.01, timeout=0.2).start()
        if not (wait_until(lambda: _has_vip(n1), 30) and poller.wait_ok(30, backend="node1")):
            raise RuntimeError("n1 never served the VIP")
        time.sleep(max(0.0, started + 6.5 - time.monotonic()))  # past the dt=deadtime+2 s window
        t0 = time.monotonic()
        if fault == "power":
            procs["node1"].send_signal(signal.SIGKILL)
            n1.link_down()
        else:
            procs["node1"].send_signal(signal.SIGSTOP)
        vip_at = None
        while time.monotonic() < t0 + 10:
            if vip_at is None and _has_vip(n2):
                vip_at = time.monotonic() - t0
            if vip_at is not None and first_from(poller.samples(), t0, "node2") is not None:
                break
            time.sleep(0.005)
        if fault == "hang":
            procs["node1"].send_signal(signal.SIGCONT)
        samples = poller.stop()
        first = first_from(samples, t0, "node2")
        answer = None if first is None else first.end - t0
        around = [s for s in samples if s.start > t0 - 1.0]
        gap = max((w.duration or 0.0 for w in failure_windows(around)), default=0.0)
        return vip_at, answer, gap, duration


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--fault", choices=["power", "hang"], default="power")
    args = ap.parse_args()
    results = [trial(args.fault) for _ in range(args.trials)]
    for vip, answer, gap, d in results:
        print(
            f"trial: VIP on n2 {vip}, first answer from n2 {answer}, client gap {gap:.3f}, "
            f"agent status+start {d:.3f}"
        )
    d = statistics.median(r[3] for r in results)
    conf = Path(os.environ.get("TMPDIR", "/tmp")) / f"mf-conf-{os.getpid()}"
    conf.mkdir()
    cfg, _ = load_config(str(_config(conf, "node1")), "node1")
    assert cfg is not None
    sim_fault = Fault.KILL if args.fault == "power" else Fault.HANG
    p = predict(cfg, sim_fault, "node1", script_duration_s=d)
    takeover = p.takeovers[0][2] if p.takeovers else None
    outage = p.outages[0].duration if p.outages else 0.0
    vips = [r[0] for r in results if r[0] is not None]
    answers = [r[1] for r in results if r[1] is not None]
    gaps = [r[2] for r in results]
    print(
        f"simulate {sim_fault.value} (script duration {d:.3f} s): takeover {takeover} s, "
        f"client-visible outage {outage} s"
    )
    print(
        f"measured {args.fault}: VIP on survivor median {statistics.median(vips):.3f} s "
        f"{sorted(round(v, 3) for v in vips)}, first answer from survivor median "
        f"{statistics.median(answers):.3f} s, client gap median {statistics.median(gaps):.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
