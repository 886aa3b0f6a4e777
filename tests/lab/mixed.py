"""A two-node cluster of any mix of real Heartbeat 3.0.6 and ha_agents nodes (EDGE).

``MixedCluster(lab, Case("ucast", "on", ("hb", "ours")))``: node1 on host n1
(192.0.2.11), node2 on n2 (192.0.2.12), each the home of one VIP group
(``node1 IPaddr::192.0.2.50/24/eth0``, ``node2 IPaddr::192.0.2.51/24/eth0``), both
reading the same ha.cf (keepalive 200 ms, deadtime 1 s; media ``bcast``, ``ucast``,
``mcast`` 233.252.0.1 or ``serial`` over a :class:`~tests.lab.cable.SerialCable`) and
haresources.  A Heartbeat node runs the package's IPaddr, an ha_agents node its own.

Each node is a :class:`Member` with the same verbs (start, stop, kill, standby,
takeover, status questions, log), so an exchange (tests/lab/exchanges.py) is written once
and runs on every mix, Heartbeat<->Heartbeat included.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from pathlib import Path

from ha_agents.daemon.control import request, socket_path
from ha_agents.status.clstatus import answer
from tests.lab.cable import SerialCable
from tests.lab.cluster import AUTHKEYS, ClusterSpec, LabNode, vip_holders
from tests.lab.heartbeat import HeartbeatNode
from tests.lab.netns import Host, Lab

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}
HOSTS = {"node1": "n1", "node2": "n2"}
VIPS = {"node1": "192.0.2.50", "node2": "192.0.2.51"}  # group home -> its VIP
PEER = {"node1": "node2", "node2": "node1"}
MEDIA = ("bcast", "ucast", "mcast", "serial")
MODES = ("on", "off", "legacy")
HB_BIN = "/usr/share/heartbeat"
_LOG_PREFIX = re.compile(r"^.*?\b(ERROR|CRIT):\s*")


@dataclass(frozen=True)
class Case:
    media: str  # one of MEDIA
    auto_failback: str  # one of MODES
    kinds: tuple[str, str] = ("hb", "ours")  # node1's, node2's: "hb" or "ours"

    @property
    def name(self) -> str:
        return f"{self.media}-{self.auto_failback}-{self.kinds[0]}-{self.kinds[1]}"


def ha_cf(case: Case, tty: Path | None) -> str:
    lines = ["keepalive 200ms", "warntime 600ms", "deadtime 1", "initdead 3", "udpport 694"]
    if case.media == "bcast":
        lines.append("bcast eth0")
    elif case.media == "ucast":
        lines += [f"ucast eth0 {addr}" for addr in NODES.values()]
    elif case.media == "mcast":
        lines.append("mcast eth0 233.252.0.1 694 1 0")
    else:
        lines += ["baud 19200", f"serial {tty}"]
    lines.append(f"auto_failback {case.auto_failback}")
    lines += [f"node {n}" for n in NODES]
    return "\n".join(lines) + "\n"


HARESOURCES = "".join(f"{n} IPaddr::{vip}/24/eth0\n" for n, vip in VIPS.items())


def error_lines(log: str) -> list[str]:
    """The ERROR/CRIT lines of a log, normalised: level + text, digits as '#'."""
    out = []
    for line in log.splitlines():
        m = _LOG_PREFIX.match(line)
        if m:
            out.append(f"{m.group(1)}: " + re.sub(r"\d+", "#", line[m.end() :].strip()))
    return out


class Member:
    """One node of the cluster, whatever runs it."""

    kind = ""

    def __init__(self, name: str, host: Host, link: str) -> None:
        self.name, self.host, self.link = name, host, link

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def running(self) -> bool:
        raise NotImplementedError

    def admin(self, verb: str, which: str) -> None:
        """``standby`` / ``takeover`` with all|local|foreign|failback, as a user types it."""
        raise NotImplementedError

    def ask(self, *question: str) -> str:
        """A cl_status question's stdout (stripped)."""
        raise NotImplementedError

    def log(self) -> str:
        raise NotImplementedError

    def link_up(self) -> bool:
        return self.ask("hblinkstatus", PEER[self.name], self.link) == "up"


class HbMember(Member):
    kind = "hb"

    def __init__(self, lab: Lab, name: str, host: Host, link: str, text: str) -> None:
        super().__init__(name, host, link)
        self.node: HeartbeatNode = lab.add_heartbeat_node(
            host, name, ha_cf=text, haresources=HARESOURCES, authkeys=AUTHKEYS
        )

    def start(self) -> None:
        self.node.start()

    def stop(self) -> None:
        self.node.stop(timeout=30)

    def kill(self) -> None:
        self.node.kill(signal.SIGKILL)

    def running(self) -> bool:
        return self.node.running()

    def admin(self, verb: str, which: str) -> None:
        self.node.run_in([f"{HB_BIN}/hb_{verb}", which], check=True)

    def ask(self, *question: str) -> str:
        return self.node.cl_status(*question).stdout.strip()

    def log(self) -> str:
        return self.node.log()


class OursMember(Member):
    kind = "ours"

    def __init__(self, lab: Lab, name: str, host: Host, link: str, text: str) -> None:
        super().__init__(name, host, link)
        self.node = LabNode(lab, host, name, ClusterSpec(NODES))
        (self.node.config_dir / "ha.cf").write_text(text + f"logfile {self.node.logfile}\n")
        (self.node.config_dir / "haresources").write_text(HARESOURCES)

    def start(self) -> None:
        self.node.start()

    def stop(self) -> None:
        self.node.stop(timeout=30)

    def kill(self) -> None:
        self.node.kill(signal.SIGKILL)

    def running(self) -> bool:
        return self.node.running()

    def admin(self, verb: str, which: str) -> None:
        r = self.node.ctl(verb, which)
        if r.returncode not in (0, 1):  # 1: refused (legacy), as hb_standby is a no-op
            raise AssertionError(f"ha-agents {verb} {which}: {r.returncode} {r.stderr}")

    def ask(self, *question: str) -> str:
        try:
            reply = request(socket_path(self.node.run_dir), {"cmd": "status"}, timeout=2.0)
        except OSError:
            reply = None
        doc = reply.get("status") if reply else None
        return answer(list(question), doc if isinstance(doc, dict) else None).stdout.strip()

    def log(self) -> str:
        return self.node.log()


class MixedCluster:
    def __init__(self, lab: Lab, case: Case) -> None:
        self.lab, self.case = lab, case
        self.hosts = {n: lab.add_host(HOSTS[n], f"{a}/24") for n, a in NODES.items()}
        for host in self.hosts.values():  # Heartbeat's bcast needs a broadcast address
            cidr = f"{host.ip}/24"
            host.run(["ip", "addr", "del", cidr, "dev", "eth0"])
            host.run(["ip", "addr", "add", cidr, "brd", "+", "dev", "eth0"])
        self.cable = SerialCable(lab, self.hosts["node1"]) if case.media == "serial" else None
        ttys = {"node1": None, "node2": None} if self.cable is None else {
            "node1": self.cable.a, "node2": self.cable.b,
        }  # fmt: skip
        self.members: dict[str, Member] = {}
        for (name, host), kind in zip(self.hosts.items(), case.kinds, strict=True):
            tty = ttys[name]
            link = str(tty) if tty is not None else "eth0"
            cls = HbMember if kind == "hb" else OursMember
            self.members[name] = cls(lab, name, host, link, ha_cf(case, tty))

    def owners(self) -> dict[str, list[str]]:
        """VIP home node -> the nodes whose host carries that VIP now."""
        by_host = {h.name: n for n, h in self.hosts.items()}
        return {
            home: sorted(by_host[h] for h in vip_holders(self.hosts.values(), vip))
            for home, vip in VIPS.items()
        }

    def cut(self, name: str) -> None:
        """Pull every cable of ``name``'s host: its network port and the serial line."""
        self.hosts[name].link_down()
        if self.cable is not None:
            self.cable.cut()

    def reconnect(self, name: str) -> None:
        self.hosts[name].link_up()
        if self.cable is not None:
            self.cable.heal()

    def partition(self) -> None:
        self.lab.partition([self.hosts["node1"]], [self.hosts["node2"]])
        if self.cable is not None:
            self.cable.cut()

    def heal(self) -> None:
        self.lab.heal()
        if self.cable is not None:
            self.cable.heal()

    def forget_addresses(self, name: str) -> None:
        """A powered-off host loses its configured VIPs (a killed process leaves them)."""
        for vip in VIPS.values():
            self.hosts[name].run(["ip", "addr", "del", f"{vip}/24", "dev", "eth0"], check=False)
