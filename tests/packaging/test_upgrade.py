"""docs/migration.md's in-place upgrade, done for real on two Heartbeat nodes.

Each node is a machine of its own: a throwaway root (this machine's / through an
overlay, with the heartbeat package and its /etc/ha.d tree) in a lab network namespace
with its own hostname.  Both run real Heartbeat 3.0.6 on the same ha.cf, haresources
and authkeys; node1 holds the VIP (Heartbeat's own IPaddr).  Then, node2 first, as the
guide says: install the .deb with apt, ``ha-agents check``, stop heartbeat (SIGTERM to
its master, as ``systemctl stop`` ends with) and ``systemctl disable heartbeat``, ``systemctl enable
ha-agents`` and start it (the unit's ExecStartPre and ExecStart: there is no systemd
in the lab); then the same on node1.  A client pings the VIP all along.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import Host, Lab, wait_until
from tests.lab.cluster import vip_holders
from tests.packaging.overlayroot import SYSTEM_PATH, OverlayRoot

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat, pytest.mark.slow]
VIP = "192.0.2.50"
HA_CF = """\
logfile /var/log/ha-log
keepalive 500ms
warntime 2
deadtime 4
initdead 8
udpport 694
ucast eth0 192.0.2.11
ucast eth0 192.0.2.12
auto_failback on
node node1
node node2
"""
HARESOURCES = f"node1 IPaddr::{VIP}/24/eth0\n"
AUTHKEYS = "auth 1\n1 sha1 upgrade-walk-0123456789abcdef\n"
CHECK = ["ha-agents", "check", "--config-dir", "/etc/ha.d"]
UNIT = "/lib/systemd/system/ha-agents.service"


def unit_command(text: str) -> list[str]:
    """The unit's ExecStart= as argv, with /etc/default/ha-agents' empty HA_AGENTS_OPTS."""
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    return [w for w in line.removeprefix("ExecStart=").split() if w != "$HA_AGENTS_OPTS"]


RUN_DIRS = (
    "mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd "
    "/run/heartbeat/rsctmp /run/resource-agents /run/lock && "
    "chown -R hacluster:haclient /run/heartbeat && chmod 1777 /run/lock"
)


class Node:
    """One machine: its root, its namespace, the daemon it runs now."""

    def __init__(self, lab: Lab, host: Host, name: str) -> None:
        self.lab, self.host, self.name = lab, host, name
        self.root = OverlayRoot(hostname=name)
        self.daemon: subprocess.Popen[bytes] | None = None
        files = {"ha.cf": HA_CF, "haresources": HARESOURCES, "authkeys": AUTHKEYS}
        for fname, text in files.items():
            (self.host.lab.tmpdir / f"{name}-{fname}").write_text(text)
            self.root.put(self.host.lab.tmpdir / f"{name}-{fname}", f"/etc/ha.d/{fname}")
        # a fresh machine has no ha-log: whatever the host's /var/log holds is not this walk
        setup = f"chmod 600 /etc/ha.d/authkeys && rm -f /var/log/ha-log && {RUN_DIRS}"
        assert self.sh(setup).returncode == 0

    def run(self, argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        return self.root.run(argv, netns=self.host.netns, **kw)  # type: ignore[arg-type]

    def sh(self, script: str) -> subprocess.CompletedProcess[str]:
        return self.run(["sh", "-c", script])

    def start(self, argv: list[str]) -> None:
        full = self.root.argv(["env", "-i", f"PATH={SYSTEM_PATH}", *argv], self.host.netns)
        self.daemon = self.lab.track(
            subprocess.Popen(
                full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
        )

    def log(self) -> str:
        return self.run(["tail", "-n", "40", "/var/log/ha-log"]).stdout

    def log_since(self, offset: int) -> str:
        """/var/log/ha-log from byte ``offset`` on (a :meth:`log_size` taken earlier)."""
        return self.run(["tail", "-c", f"+{offset + 1}", "/var/log/ha-log"]).stdout

    def log_size(self) -> int:
        return int(self.run(["stat", "-c", "%s", "/var/log/ha-log"]).stdout)

    def close(self) -> None:
        self.root.close()


class Pinger:
    """A client pinging the VIP every 0.2 s; counts the unanswered pings."""

    def __init__(self, lab: Lab, out: Path) -> None:
        self.out = out
        client = lab.add_client("c", "192.0.2.100/24")
        with open(out, "wb") as fh:
            client.popen(["ping", "-n", "-O", "-i", "0.2", VIP], stdout=fh, stderr=fh)

    def seq(self) -> int:
        nums = re.findall(r"icmp_seq=(\d+)", self.out.read_text(errors="replace"))
        return int(nums[-1]) if nums else 0

    def lost_between(self, first: int, last: int) -> int:
        text = self.out.read_text(errors="replace")
        answered = {int(n) for n in re.findall(r"icmp_seq=(\d+) ttl=", text)}
        return sum(1 for n in range(first + 1, last + 1) if n not in answered)


@pytest.fixture
def cluster(deb: Path) -> Iterator[tuple[Lab, Node, Node]]:
    with Lab("up") as lab:
        h1, h2 = lab.add_host("n1", "192.0.2.11/24"), lab.add_host("n2", "192.0.2.12/24")
        nodes = [Node(lab, h1, "node1"), Node(lab, h2, "node2")]
        try:
            for n in nodes:
                n.root.put(deb, f"/tmp/{deb.name}")
            yield lab, nodes[0], nodes[1]
        finally:
            lab.close()  # the daemons first: they keep the roots' namespaces alive
            for n in nodes:
                n.close()


def upgrade(node: Node, deb: Path) -> dict[str, str]:
    """The guide's steps on one node; returns what each command printed."""
    seen: dict[str, str] = {}
    # apt fetches the Depends from the network: outside the lab's namespace (the lab has
    # no route out), into the node's own root
    got = node.root.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}"],
        env={"DEBIAN_FRONTEND": "noninteractive"},
        timeout=600,
    )
    assert got.returncode == 0, got.stdout[-2000:] + got.stderr[-2000:]
    seen["apt"] = "\n".join(got.stdout.splitlines()[-6:])
    check = node.run(CHECK)
    assert check.returncode == 0, check.stdout + check.stderr
    seen["check"] = check.stdout + check.stderr
    assert node.daemon is not None  # systemctl stop heartbeat: SIGTERM to the master
    node.daemon.send_signal(signal.SIGTERM)
    assert wait_until(lambda: node.daemon is not None and node.daemon.poll() is not None, 60)
    disable = node.run(["systemctl", "disable", "heartbeat"])
    enable = node.run(["systemctl", "enable", "ha-agents"])
    seen["systemctl"] = disable.stdout + disable.stderr + enable.stdout + enable.stderr
    assert disable.returncode == 0 and enable.returncode == 0, seen["systemctl"]
    wants = node.run(["ls", "/etc/systemd/system/multi-user.target.wants"]).stdout.split()
    assert "ha-agents.service" in wants and "heartbeat.service" not in wants
    unit = node.run(["cat", UNIT])
    assert unit.returncode == 0, unit.stderr
    run = unit_command(unit.stdout)
    assert run[:2] == ["/usr/bin/ha-agents", "run"] and "--log-ident" in run, run
    node.start(run)  # the unit's own command line: the node logs as heartbeat
    return seen


def test_rolling_upgrade_from_heartbeat_keeps_the_vip(
    cluster: tuple[Lab, Node, Node], deb: Path, tmp_path: Path
) -> None:
    lab, n1, n2 = cluster
    hosts = [n1.host, n2.host]
    for n in (n1, n2):
        n.start(["/usr/libexec/heartbeat/heartbeat", "-f"])
    assert wait_until(lambda: vip_holders(hosts, VIP) == ["n1"], 60), n1.log()
    pinger = Pinger(lab, tmp_path / "ping")
    assert wait_until(lambda: pinger.seq() > 5, 10)
    generation = n2.run(["cat", "/var/lib/heartbeat/hb_generation"]).stdout

    before = pinger.seq()
    walk = {n.name: n.log_size() for n in (n1, n2)}  # the walk by the book starts here
    seen = upgrade(n2, deb)  # node2 first: it holds nothing
    print(f"node2# apt-get install /tmp/{deb.name}\n...\n" + seen["apt"])
    print("node2# ha-agents check --config-dir /etc/ha.d\n" + seen["check"])
    print("node2# systemctl disable heartbeat; systemctl enable ha-agents\n" + seen["systemctl"])

    def mixed_up() -> bool:  # each side sees the other (node1 may still show the old node2)
        seen_by_1 = n1.run(["cl_status", "nodestatus", "node2"]).stdout.strip()
        seen_by_2 = n2.run(["ha-agents", "status", "nodestatus", "node1"]).stdout.strip()
        return seen_by_1 == seen_by_2 == "active"

    assert wait_until(mixed_up, 30), n1.log() + n2.log()
    print(
        "node1# cl_status nodestatus node2\n" + n1.run(["cl_status", "nodestatus", "node2"]).stdout
    )
    print("node2# ha-agents status\n" + n2.run(["ha-agents", "status"]).stdout)
    time.sleep(3)  # the mixed cluster runs: nothing may move
    assert vip_holders(hosts, VIP) == ["n1"]
    assert pinger.lost_between(before, pinger.seq()) == 0
    assert n2.run(["cat", "/var/lib/heartbeat/hb_generation"]).stdout != generation

    before = pinger.seq()
    upgrade(n1, deb)  # heartbeat -k on node1 hands the VIP to node2, then it comes home
    assert wait_until(lambda: vip_holders(hosts, VIP) == ["n1"], 60), n1.log() + n2.log()
    assert wait_until(lambda: pinger.lost_between(pinger.seq() - 5, pinger.seq()) == 0, 20)
    lost = pinger.lost_between(before, pinger.seq())
    for n, peer in ((n1, "node2"), (n2, "node1")):
        got = n.run(["ha-agents", "status", "nodestatus", peer])
        assert got.stdout.strip() == "active", n.log()
        whole = n.log_since(walk[n.name])  # the whole walk, both daemons
        assert "ERROR" not in whole and "CRIT" not in whole, whole[-4000:]
        assert not re.search(r"Link \S+ dead\.", whole), whole[-4000:]  # links up all along
    print("node1# ha-agents status\n" + n1.run(["ha-agents", "status"]).stdout)
    holders = n2.run(["grep", "-c", "Taking over resource group", "/var/log/ha-log"]).stdout
    print(f"node2 took over the group {holders.strip()} time(s) while node1 moved")
    print(f"pings lost while node1 moved: {lost} of {pinger.seq() - before} (0.2 s apart)")
