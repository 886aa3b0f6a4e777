"""The network-namespace lab: hosts on a bridge, tracked processes, certain cleanup.

EDGE module: it runs ``ip``, ``tc`` and ``sysctl`` and starts processes.

    with Lab("t") as lab:
        n1 = lab.add_host("n1", "192.0.2.11/24")
        n2 = lab.add_host("n2", "192.0.2.12/24")
        n1.run(["ping", "-c1", "-W1", n2.ip])
        n2.link_down()          # cut n2's cable (the bridge-side end of its veth)

Layout: a namespace ``<tag>-br`` holds bridge ``br0`` (optionally with an address,
usable as a ping node); each host is a namespace ``<tag>-<name>`` whose ``eth0`` is one
end of a veth pair whose other end is a port of the bridge.  Nothing is created in the
caller's own network namespace.  ``close()`` (also run at exit and on SIGTERM) kills
every tracked process by PID, then every process left in a lab namespace (found by
namespace inode, signalled by PID), deletes the namespaces and the temp dir.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, TYPE_CHECKING, Any

from tests.lab import procs, registry
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

if TYPE_CHECKING:
    from tests.lab.heartbeat import HeartbeatNode
    from tests.lab.keepalived import KeepalivedNode

_NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_IFNAME_RE = re.compile(r"^[a-z][a-z0-9]{0,14}$")
TEST_NETS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)

_File = int | IO[Any] | None


class CommandError(LabError):
    """A command run by the lab failed; carries its argv, exit code and output."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        output = stderr.strip() or stdout.strip()
        super().__init__(f"command {' '.join(self.argv)!r} exited {returncode}: {output}")


def run_cmd(
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 30,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, capturing text output; CommandError if it fails."""
    try:
        cp = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            input=input,
            check=False,
        )
    except FileNotFoundError as e:
        raise LabError(f"cannot run {argv[0]!r}: {e.strerror}") from e
    if check and cp.returncode != 0:
        raise CommandError(argv, cp.returncode, cp.stdout, cp.stderr)
    return cp


def check_test_net(cidr: str) -> ipaddress.IPv4Interface:
    """Parse ``a.b.c.d/len``; refuse anything outside the TEST-NET documentation ranges."""
    try:
        iface = ipaddress.IPv4Interface(cidr)
    except ValueError as e:
        raise LabError(f"bad address {cidr!r}: {e}") from e
    if "/" not in cidr:
        raise LabError(f"address {cidr!r} needs a prefix length, e.g. {cidr}/24")
    if not any(iface.ip in net for net in TEST_NETS):
        raise LabError(
            f"address {cidr!r} is not in a TEST-NET range (192.0.2/24, 198.51.100/24, 203.0.113/24)"
        )
    return iface


@dataclass(frozen=True, slots=True)
class Link:
    """One interface of a host: ``ifname`` in the host, ``port`` on ``bridge``."""

    ifname: str
    cidr: str | None
    bridge: str
    port: str


class Host:
    """A network namespace on the lab bridge.  Create with :meth:`Lab.add_host`."""

    def __init__(self, lab: Lab, name: str, netns: str) -> None:
        self.lab = lab
        self.name = name
        self.netns = netns
        self.links: dict[str, Link] = {}

    def __repr__(self) -> str:
        return f"Host({self.name!r}, netns={self.netns!r}, ip={self.ip!r})"

    @property
    def ip(self) -> str | None:
        """The address (without prefix) of the first interface, if it has one."""
        for link in self.links.values():
            if link.cidr:
                return link.cidr.split("/")[0]
        return None

    def argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` prefixed so that it runs in this namespace (``ip netns exec``)."""
        return ["ip", "netns", "exec", self.netns, *argv]

    def run(
        self,
        argv: Sequence[str],
        check: bool = True,
        timeout: float = 30,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in this namespace to completion (text output captured)."""
        return run_cmd(self.argv(argv), check=check, timeout=timeout, env=env, input=input)

    def popen(
        self,
        argv: Sequence[str],
        stdout: _File = subprocess.DEVNULL,
        stderr: _File = subprocess.DEVNULL,
        env: Mapping[str, str] | None = None,
        stdin: _File = subprocess.DEVNULL,
    ) -> subprocess.Popen[bytes]:
        """Start a tracked process in this namespace, in its own process group.

        ``ip netns exec`` execs the command, so the Popen's PID is the command's own.
        The lab kills the process group by PID when it closes.
        """
        self.lab._check_open()
        return self.lab.track(
            subprocess.Popen(
                self.argv(argv),
                stdout=stdout,
                stderr=stderr,
                stdin=stdin,
                env=dict(env) if env is not None else None,
                start_new_session=True,
            )
        )

    def _link(self, ifname: str | None) -> Link:
        if ifname is None:
            if not self.links:
                raise LabError(f"host {self.name} has no interface")
            return next(iter(self.links.values()))
        try:
            return self.links[ifname]
        except KeyError:
            raise LabError(f"host {self.name} has no interface {ifname!r}") from None

    def link_down(self, ifname: str | None = None) -> None:
        """Cut the cable: take the bridge-side end down (the host sees NO-CARRIER)."""
        link = self._link(ifname)
        self.lab.bridge.run(["ip", "link", "set", "dev", link.port, "down"])

    def link_up(self, ifname: str | None = None) -> None:
        """Reconnect the cable cut by :meth:`link_down`."""
        link = self._link(ifname)
        self.lab.bridge.run(["ip", "link", "set", "dev", link.port, "up"])

    def netem(
        self, loss_pct: float = 0.0, one_way: bool = False, ifname: str | None = None
    ) -> None:
        """Random packet loss on one interface (IPv4/IPv6; ARP is not affected).

        This kernel has no tc netem, so the loss is an nftables rule in the host
        namespace (``numgen random``): what the host sends on ``ifname`` loses
        ``loss_pct`` percent; unless ``one_way``, what it receives there loses as much.
        Calling it again replaces the previous setting; :meth:`clear_netem` removes it.
        """
        if not 0.0 <= loss_pct <= 100.0:
            raise LabError(f"netem: loss {loss_pct}% is not between 0 and 100")
        link = self._link(ifname)
        table = f"hal_loss_{link.ifname}"
        limit = round(loss_pct * 100)  # per 10 000: two decimals of a percent
        rule = "drop" if limit >= 10000 else f"numgen random mod 10000 < {limit} drop"
        rules = [
            f"table inet {table} {{",
            "  chain out { type filter hook output priority 0; policy accept;",
            f'    oifname "{link.ifname}" {rule}; }}',
        ]
        if not one_way:
            rules += [
                "  chain in { type filter hook input priority 0; policy accept;",
                f'    iifname "{link.ifname}" {rule}; }}',
            ]
        rules.append("}")
        self.clear_netem(ifname)
        if limit == 0:
            return
        self.run(["nft", "-f", "-"], input="\n".join(rules) + "\n")

    def clear_netem(self, ifname: str | None = None) -> None:
        """Remove the packet loss set by :meth:`netem` (both directions)."""
        link = self._link(ifname)
        self.run(["nft", "delete", "table", "inet", f"hal_loss_{link.ifname}"], check=False)

    def addresses(self, ifname: str | None = None) -> list[str]:
        """IPv4 addresses on ``ifname`` (default: all interfaces but lo) as ``a.b.c.d/len``."""
        cp = self.run(["ip", "-j", "-4", "addr", "show", *(["dev", ifname] if ifname else [])])
        out: list[str] = []
        for dev in json.loads(cp.stdout or "[]"):
            if ifname is None and dev.get("ifname") == "lo":
                continue
            for a in dev.get("addr_info", []):
                out.append(f"{a['local']}/{a['prefixlen']}")
        return out

    def sysctl(self, key: str, value: str | int) -> None:
        """Set a (per-namespace) sysctl, e.g. ``net.ipv4.ip_nonlocal_bind``, 1."""
        self.lab.sysctl(self, key, value)


_OPEN_LABS: list[Lab] = []
_OPEN_LOCK = threading.Lock()
_HOOKED = False


def _close_all() -> None:
    with _OPEN_LOCK:
        labs = list(_OPEN_LABS)
    for lab in reversed(labs):
        lab.close()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _close_all()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install_hooks() -> None:
    global _HOOKED
    if _HOOKED:
        return
    _HOOKED = True
    atexit.register(_close_all)
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _on_sigterm)


class Lab:
    """A set of network namespaces joined by a bridge; see the module docstring.

    ``prefix``: 0-6 chars [a-z0-9] put into every name (``hal<prefix><4 hex>``).
    ``subnet``: the first three octets of the lab's /24 (TEST-NET only);
    ``bridge_host``: host part of the bridge's own address (None: no address).
    ``grace``: seconds between SIGTERM and SIGKILL when the lab closes.
    """

    def __init__(
        self,
        prefix: str | None = None,
        subnet: str = "192.0.2",
        bridge_host: int | None = 1,
        grace: float = 1.0,
    ) -> None:
        self.tag = registry.make_tag(prefix)
        check_test_net(f"{subnet}.1/24")
        self.subnet = subnet
        self.grace = grace
        self._closed = False
        self._procs: list[subprocess.Popen[bytes]] = []
        self._close_hooks: list[Callable[[], None]] = []
        self._namespaces: list[str] = []
        self._bridges: list[str] = []
        self._port_seq = 0
        self.hosts: dict[str, Host] = {}
        self.tmpdir = Path(tempfile.mkdtemp(prefix=f"{self.tag}-"))
        os.chmod(self.tmpdir, 0o755)
        _install_hooks()
        with _OPEN_LOCK:
            _OPEN_LABS.append(self)
        try:
            registry.write_record(self.tag, [str(self.tmpdir)])
            self.bridge = self._new_namespace("br")
            self.bridge.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
            self.add_bridge("br0", f"{subnet}.{bridge_host}/24" if bridge_host else None)
        except BaseException:
            self.close()
            raise

    # -- naming helpers ---------------------------------------------------------------
    def ip(self, host_part: int) -> str:
        """``<subnet>.<host_part>``, e.g. lab.ip(11) == "192.0.2.11"."""
        return f"{self.subnet}.{host_part}"

    def cidr(self, host_part: int, prefixlen: int = 24) -> str:
        return f"{self.ip(host_part)}/{prefixlen}"

    @property
    def bridge_ip(self) -> str | None:
        return self.bridge.ip

    # -- construction -----------------------------------------------------------------
    def _new_namespace(self, name: str) -> Host:
        self._check_open()
        netns = f"{self.tag}-{name}"
        run_cmd(["ip", "netns", "add", netns])
        self._namespaces.append(netns)
        run_cmd(["ip", "-n", netns, "link", "set", "lo", "up"])
        return Host(self, name, netns)

    def add_bridge(self, name: str, cidr: str | None = None) -> None:
        """Another bridge in the bridge namespace (for a second heartbeat link)."""
        if not _IFNAME_RE.match(name) or name in self._bridges:
            raise LabError(f"bad or duplicate bridge name {name!r}")
        b = self.bridge.netns
        run_cmd(["ip", "-n", b, "link", "add", "name", name, "type", "bridge"])
        run_cmd(
            ["ip", "-n", b, "link", "set", "dev", name, "type", "bridge", "mcast_snooping", "0"]
        )
        run_cmd(["ip", "-n", b, "link", "set", "dev", name, "up"])
        self._bridges.append(name)
        if cidr:
            check_test_net(cidr)
            run_cmd(["ip", "-n", b, "addr", "add", cidr, "dev", name])
            self.bridge.links[name] = Link(name, cidr, name, name)

    def add_host(
        self, name: str, cidr: str | None, ifname: str = "eth0", bridge: str = "br0"
    ) -> Host:
        """A new host namespace ``<tag>-<name>`` with ``ifname`` plugged into ``bridge``."""
        if not _NAME_RE.match(name) or name == "br":
            raise LabError(f"host name {name!r} must be 1-8 chars [a-z0-9], starting with a letter")
        if name in self.hosts:
            raise LabError(f"host {name!r} already exists")
        if cidr is not None:
            check_test_net(cidr)
        host = self._new_namespace(name)
        self.hosts[name] = host
        host.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
        self.add_link(host, cidr, ifname=ifname, bridge=bridge)
        return host

    add_client = add_host

    def add_link(
        self, host: Host, cidr: str | None, ifname: str = "eth1", bridge: str = "br0"
    ) -> Link:
        """Plug another interface of ``host`` into ``bridge`` (e.g. a second HB link)."""
        if not _IFNAME_RE.match(ifname) or ifname in host.links:
            raise LabError(f"bad or duplicate interface name {ifname!r} on {host.name}")
        if bridge not in self._bridges:
            raise LabError(f"no bridge {bridge!r} (add it with add_bridge)")
        if cidr is not None:
            check_test_net(cidr)
        b = self.bridge.netns
        self._port_seq += 1
        port = f"p{self._port_seq}-{host.name}"[:15]
        run_cmd(
            [
                "ip",
                "-n",
                b,
                "link",
                "add",
                "name",
                port,
                "type",
                "veth",
                "peer",
                "name",
                ifname,
                "netns",
                host.netns,
            ]
        )
        run_cmd(["ip", "-n", b, "link", "set", "dev", port, "master", bridge, "up"])
        if cidr is not None:
            run_cmd(["ip", "-n", host.netns, "addr", "add", cidr, "dev", ifname])
        run_cmd(["ip", "-n", host.netns, "link", "set", "dev", ifname, "up"])
        link = Link(ifname, cidr, bridge, port)
        host.links[ifname] = link
        return link

    def add_heartbeat_node(
        self,
        host: Host,
        node: str,
        ha_cf: str,
        haresources: str = "",
        authkeys: str | None = None,
        scripts: Mapping[str, str] | None = None,
    ) -> HeartbeatNode:
        """A real Heartbeat 3.0.6 node on ``host`` (not started; call ``.start()``)."""
        from tests.lab.heartbeat import DEFAULT_AUTHKEYS, HeartbeatNode

        self._check_open()
        return HeartbeatNode(
            self, host, node, ha_cf, haresources, authkeys or DEFAULT_AUTHKEYS, scripts
        )

    def add_keepalived_node(self, host: Host, name: str, conf: str) -> KeepalivedNode:
        """keepalived on ``host`` with config text ``conf`` (see make_keepalived_conf)."""
        from tests.lab.keepalived import KeepalivedNode

        self._check_open()
        return KeepalivedNode(self, host, name, conf)

    def partition(self, side_a: Sequence[Host], side_b: Sequence[Host]) -> None:
        """Drop all traffic between two groups of hosts on the bridges (ARP included).

        Hosts in neither group still reach both sides (e.g. a client seeing both halves
        of a split cluster).  Replaces an earlier partition; :meth:`heal` removes it.
        """
        ports_a = [link.port for h in side_a for link in h.links.values()]
        ports_b = [link.port for h in side_b for link in h.links.values()]
        if not ports_a or not ports_b or set(ports_a) & set(ports_b):
            raise LabError("partition: need two disjoint, non-empty groups of hosts")
        a = ", ".join(f'"{p}"' for p in ports_a)
        b = ", ".join(f'"{p}"' for p in ports_b)
        rules = (
            "table bridge hal_partition {\n"
            "  chain cut { type filter hook forward priority 0; policy accept;\n"
            f"    iifname {{ {a} }} oifname {{ {b} }} drop\n"
            f"    iifname {{ {b} }} oifname {{ {a} }} drop\n"
            "  }\n}\n"
        )
        self.heal()
        self.bridge.run(["nft", "-f", "-"], input=rules)

    def heal(self) -> None:
        """Remove the partition set by :meth:`partition` (no-op if there is none)."""
        self.bridge.run(["nft", "delete", "table", "bridge", "hal_partition"], check=False)

    def sysctl(self, host: Host, key: str, value: str | int) -> None:
        if not re.match(r"^[a-z0-9_.\-/]+$", key):
            raise LabError(f"bad sysctl key {key!r}")
        host.run(["sysctl", "-qw", f"{key}={value}"])

    # -- processes --------------------------------------------------------------------
    def track(self, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        """Remember a process (its own process group) so close() kills it by PID."""
        self._procs.append(proc)
        return proc

    def on_close(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` first when the lab closes (node objects stop themselves)."""
        self._close_hooks.append(hook)

    def logfile(self, name: str) -> Path:
        """A path in the lab's temp dir for a process's output (removed at close)."""
        if not re.match(r"^[A-Za-z0-9_.\-]+$", name):
            raise LabError(f"bad log file name {name!r}")
        return self.tmpdir / name

    def _check_open(self) -> None:
        if self._closed:
            raise LabError(f"lab {self.tag} is closed")

    # -- teardown ---------------------------------------------------------------------
    def close(self) -> None:
        """Kill everything the lab started, delete its namespaces and temp dir.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        for hook in reversed(self._close_hooks):
            with contextlib.suppress(Exception):  # cleanup must go on
                hook()
        self._kill_tracked()
        for netns in reversed(self._namespaces):
            inode = procs.ns_inode(f"/run/netns/{netns}")
            if inode is not None:
                procs.terminate(procs.pids_in_ns("net", inode), grace=self.grace)
        for netns in reversed(self._namespaces):
            run_cmd(["ip", "netns", "delete", netns], check=False)
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        registry.remove_record(self.tag)
        with _OPEN_LOCK:
            if self in _OPEN_LABS:
                _OPEN_LABS.remove(self)

    def _kill_tracked(self) -> None:
        # Only processes we have not reaped: their PIDs (= group IDs) are still reserved
        # for us, so signalling the group cannot hit an unrelated process.
        live = [p for p in self._procs if p.returncode is None]
        for p in live:
            procs.send_group(p.pid, signal.SIGTERM)
            procs.send_group(p.pid, signal.SIGCONT)
        wait_until(
            lambda: not any(procs.pids_in_group(p.pid) for p in live),
            timeout=self.grace,
            interval=0.02,
        )
        for p in live:
            procs.send_group(p.pid, signal.SIGKILL)
        for p in live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=2.0)

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
