"""Run the real checkers: crm_verify, keepalived -t, corosync -t (in a lab namespace)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

needs_crm_verify = pytest.mark.skipif(
    shutil.which("crm_verify") is None,
    reason="needs crm_verify (Debian pacemaker-cli-utils; make deps installs it, CI has it)",
)
needs_keepalived = pytest.mark.skipif(
    shutil.which("keepalived") is None,
    reason="needs keepalived (Debian keepalived; make deps installs it, CI has it)",
)
needs_corosync = pytest.mark.skipif(
    shutil.which("corosync") is None,
    reason="needs corosync (Debian corosync; make deps installs it, CI has it)",
)


def crm_verify(xml: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    path = tmp / "cib.xml"
    path.write_text(xml)
    return subprocess.run(
        ["crm_verify", "-V", "--xml-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def keepalived_t(
    conf: str, tmp: Path, name: str = "keepalived.conf"
) -> subprocess.CompletedProcess[str]:
    path = tmp / name
    path.write_text(conf)
    return subprocess.run(
        ["keepalived", "-t", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


RING = re.compile(r"^\s*ring(\d+)_addr:\s*(\S+)", re.M)


def ring_addresses(corosync_conf: str) -> list[tuple[int, str]]:
    """(link, address) of every ring address, node by node in file order."""
    return [(int(n), a) for n, a in RING.findall(corosync_conf)]


def corosync_t(conf: str, tmp: Path, prefix: str = "exp") -> subprocess.CompletedProcess[str]:
    """``corosync -t -c FILE`` as the config's first node, never touching /etc/corosync.

    corosync -t insists that one ring address is local ("No valid name found for local
    host"), and with crypto it reads /etc/corosync/authkey.  So: a lab namespace holding the
    first node's address on every link (eth0, eth1, ... in link order), and inside it a
    private mount namespace with a temp dir (holding a fresh 256-byte key) bound over
    /etc/corosync.
    """
    from tests.lab import Lab

    path = tmp / "corosync.conf"
    path.write_text(conf)
    keydir = tmp / "etc-corosync"
    keydir.mkdir(exist_ok=True)
    key = keydir / "authkey"
    key.write_bytes(bytes(range(256)))
    key.chmod(0o400)
    first: dict[int, str] = {}
    for link, addr in ring_addresses(conf):
        first.setdefault(link, addr)
    subnets = {0: "192.0.2", 1: "198.51.100"}
    with Lab(prefix) as lab:
        host = None
        for link in sorted(first):
            addr = first[link]
            if link not in subnets or not addr.startswith(subnets[link] + "."):
                raise AssertionError(f"test config must use TEST-NET on link {link}: {addr}")
            if host is None:
                host = lab.add_host("n1", f"{addr}/24")
            else:
                lab.add_bridge(f"br{link}")
                lab.add_link(host, f"{addr}/24", ifname=f"eth{link}", bridge=f"br{link}")
        assert host is not None, "corosync.conf without ring addresses"
        script = (  # corosync -t also writes its log: never into the host's /var/log
            'mount --bind "$1" /etc/corosync && mount -t tmpfs tmpfs /var/log/corosync && '
            'exec corosync -t -c "$2"'
        )
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
        return host.run([*argv, str(keydir), str(path)], check=False, timeout=60)


COROSYNC_SCRIPT = (
    'mount --bind "$1" /etc/corosync && mount -t tmpfs tmpfs /var/lib/corosync && '
    "mount -t tmpfs tmpfs /var/log/corosync && mount -t tmpfs tmpfs /run && "
    "mount -t tmpfs tmpfs /dev/shm && exec corosync -f"
)


def start_corosync(host, etc: Path, log: Path) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    """A real corosync in ``host``'s network namespace and a private mount namespace:
    ``etc`` (corosync.conf + authkey) bound over /etc/corosync, its own /run, /dev/shm,
    /var/lib/corosync and /var/log/corosync.  The lab kills it by PID at exit."""
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", COROSYNC_SCRIPT]
    with log.open("ab") as out:
        proc: subprocess.Popen[bytes] = host.popen([*argv, "sh", str(etc)], stdout=out, stderr=out)
    return proc


def quorum_nodes(host, proc: subprocess.Popen[bytes]) -> int | None:  # type: ignore[no-untyped-def]
    """Member count that corosync-quorumtool reports (run in corosync's mount namespace)."""
    argv = ["nsenter", "-t", str(proc.pid), "-m", "corosync-quorumtool", "-s"]
    cp = host.run(argv, check=False, timeout=10)
    match = re.search(r"^Nodes:\s+(\d+)", cp.stdout, re.M)
    return int(match.group(1)) if match else None
