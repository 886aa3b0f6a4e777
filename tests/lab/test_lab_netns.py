"""The lab core: hosts on a bridge, cable cuts, tracked processes, certain cleanup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.lab import Host, Lab, LabError, procs, wait_until
from tests.lab.cleanup import cleanup

pytestmark = pytest.mark.netns

REPO = Path(__file__).resolve().parents[2]


def _netns_list() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _ping(host: Host, addr: str) -> bool:
    return host.run(["ping", "-c1", "-W1", addr], check=False).returncode == 0


def _ping_within(host: Host, addr: str, seconds: int) -> bool:
    """Reachable within ``seconds`` (after a heal the kernel may first have to re-resolve
    a neighbour entry it marked FAILED during the partition: up to ~1 s more)."""
    return host.run(["ping", "-c1", f"-w{seconds}", addr], check=False).returncode == 0


def test_lab_hosts_reach_each_other_and_the_bridge_address(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n2 = lab.add_host("n2", "192.0.2.12/24")
    assert n1.addresses() == ["192.0.2.11/24"]
    assert n1.addresses("eth0") == ["192.0.2.11/24"]
    assert n1.ip == "192.0.2.11" and lab.bridge_ip == "192.0.2.1"
    assert _ping(n1, "192.0.2.12")
    assert _ping(n2, "192.0.2.1")
    names = _netns_list()
    assert {n1.netns, n2.netns, lab.bridge.netns} <= names
    assert all(ns.startswith("hal") for ns in (n1.netns, n2.netns, lab.bridge.netns))
    # the host is not in our own network namespace: its eth0 exists only there
    assert "eth0" in n1.run(["ip", "-o", "link"]).stdout


def test_lab_two_labs_get_distinct_names() -> None:
    with Lab("t") as a, Lab("t") as b:
        assert a.tag != b.tag
        ha = a.add_host("n1", "192.0.2.11/24")
        hb = b.add_host("n1", "192.0.2.11/24")
        assert ha.netns != hb.netns
        # separate bridges: the same address exists in both labs without conflict
        assert _ping(ha, "192.0.2.1") and _ping(hb, "192.0.2.1")


def test_lab_link_down_cuts_the_cable_and_link_up_restores_it(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n2 = lab.add_host("n2", "192.0.2.12/24")
    assert _ping(n1, "192.0.2.12")
    n2.link_down()
    assert not _ping(n1, "192.0.2.12")
    assert "NO-CARRIER" in n2.run(["ip", "link", "show", "eth0"]).stdout
    n2.link_up()
    assert wait_until(lambda: _ping(n1, "192.0.2.12"), timeout=5)


def test_lab_second_link_on_second_bridge_survives_first_cut(lab: Lab) -> None:
    lab.add_bridge("br1")
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n2 = lab.add_host("n2", "192.0.2.12/24")
    lab.add_link(n1, "198.51.100.11/24", ifname="eth1", bridge="br1")
    lab.add_link(n2, "198.51.100.12/24", ifname="eth1", bridge="br1")
    n2.link_down("eth0")
    assert not _ping(n1, "192.0.2.12")
    assert _ping(n1, "198.51.100.12")


def test_lab_netem_full_loss_drops_and_clear_restores(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    lab.add_host("n2", "192.0.2.12/24")
    n1.netem(loss_pct=100)
    assert not _ping(n1, "192.0.2.12")
    n1.clear_netem()
    assert _ping(n1, "192.0.2.12")


def test_lab_sysctl_is_per_namespace(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n1.sysctl("net.ipv4.ip_nonlocal_bind", 1)
    assert n1.run(["sysctl", "-n", "net.ipv4.ip_nonlocal_bind"]).stdout.strip() == "1"
    n2 = lab.add_host("n2", "192.0.2.12/24")
    assert n2.run(["sysctl", "-n", "net.ipv4.ip_nonlocal_bind"]).stdout.strip() == "0"


def test_lab_refuses_non_test_net_addresses_and_bad_names(lab: Lab) -> None:
    with pytest.raises(LabError, match="TEST-NET"):
        lab.add_host("n1", "10.0.0.1/24")
    with pytest.raises(LabError, match="prefix length"):
        lab.add_host("n1", "192.0.2.11")
    with pytest.raises(LabError, match="host name"):
        lab.add_host("Bad-Name", "192.0.2.11/24")
    with pytest.raises(LabError, match="TEST-NET"):
        Lab("t", subnet="10.1.2")
    with pytest.raises(LabError, match="prefix"):
        Lab("TOOLONGPREFIX")


def test_lab_run_failure_reports_the_command_output(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    with pytest.raises(LabError, match="exited 3: boom"):
        n1.run(["sh", "-c", "echo boom >&2; exit 3"])
    assert n1.run(["sh", "-c", "exit 3"], check=False).returncode == 3


def test_lab_close_kills_tracked_groups_and_strays_then_removes_everything() -> None:
    lab = Lab("t")
    n1 = lab.add_host("n1", "192.0.2.11/24")
    # a tracked process with a child in its group, one that ignores SIGTERM,
    # and a daemon that left the group (setsid): all must be gone.
    p = n1.popen(["sh", "-c", "sleep 300 & exec sleep 301"])
    stubborn = n1.popen(["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"])
    n1.run(["sh", "-c", "setsid sleep 302 </dev/null >/dev/null 2>&1 &"])
    inode = procs.ns_inode(f"/run/netns/{n1.netns}")
    assert inode is not None
    assert wait_until(lambda: len(procs.pids_in_ns("net", inode)) >= 4, timeout=5)
    pids = procs.pids_in_ns("net", inode)
    tmpdir = lab.tmpdir
    assert tmpdir.is_dir()
    lab.close()
    lab.close()  # safe twice
    assert not any(procs.alive(pid) for pid in pids)
    assert p.returncode is not None and stubborn.returncode is not None
    assert not ({n1.netns, lab.bridge.netns} & _netns_list())
    assert not tmpdir.exists()
    with pytest.raises(LabError, match="closed"):
        lab.add_host("n2", "192.0.2.12/24")


_CHILD = textwrap.dedent(
    """
    import sys, time
    from tests.lab import Lab
    lab = Lab("t")
    h = lab.add_host("n1", "192.0.2.11/24")
    p = h.popen(["sleep", "300"])
    print(h.netns, lab.bridge.netns, p.pid, flush=True)
    if sys.argv[1] == "crash":
        import os
        os._exit(1)
    time.sleep(60)
    """
)


def _spawn_lab(mode: str) -> tuple[subprocess.Popen[str], list[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, mode], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert child.stdout is not None
    h, b, pid = child.stdout.readline().split()
    return child, [h, b], int(pid)


def test_lab_sigterm_to_the_owner_cleans_up() -> None:
    child, names, pid = _spawn_lab("wait")
    try:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=15)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGTERM
    assert not (set(names) & _netns_list())
    assert wait_until(lambda: not procs.alive(pid), timeout=3)


def test_lab_cleanup_removes_a_crashed_lab_but_not_a_live_one() -> None:
    child, names, pid = _spawn_lab("crash")
    child.wait(timeout=15)
    assert set(names) <= _netns_list()  # the crash left everything behind
    assert procs.alive(pid)
    with Lab("t") as live:
        live.add_host("n1", "192.0.2.11/24")
        tag = names[0].split("-")[0]
        env = dict(os.environ)
        out = subprocess.run(
            [sys.executable, "-m", "tests.lab", "cleanup", "--prefix", "t"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=60,
            check=True,
        ).stdout
        assert f"removed namespace {names[0]}" in out
        assert f"kept {live.tag}" in out
        left = _netns_list()
        assert not (set(names) & left)
        assert live.hosts["n1"].netns in left
        assert not procs.alive(pid)
        assert tag != live.tag
    # a second run has nothing left to do
    assert cleanup("halt").removed_namespaces == []


def test_lab_cleanup_refuses_prefixes_outside_the_family() -> None:
    cp = subprocess.run(
        [sys.executable, "-m", "tests.lab", "cleanup", "--prefix", "../x"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=30,
        check=False,
    )
    assert cp.returncode == 2 and "bad prefix" in cp.stderr
    with pytest.raises(LabError, match="family"):
        cleanup("other")
    _ = time


def test_lab_netem_one_way_loss_blocks_only_sending(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n2 = lab.add_host("n2", "192.0.2.12/24")
    n1.netem(loss_pct=100, one_way=True)
    assert not _ping(n1, "192.0.2.12")
    # n2 -> n1 arrives at n1, but the reply is lost: record n1's receive counter
    before = int(n1.run(["cat", "/sys/class/net/eth0/statistics/rx_packets"]).stdout)
    assert not _ping(n2, "192.0.2.11")
    after = int(n1.run(["cat", "/sys/class/net/eth0/statistics/rx_packets"]).stdout)
    assert after > before
    n1.netem(loss_pct=0)
    assert _ping(n1, "192.0.2.12")


def test_lab_partition_splits_two_hosts_while_a_client_reaches_both(lab: Lab) -> None:
    n1 = lab.add_host("n1", "192.0.2.11/24")
    n2 = lab.add_host("n2", "192.0.2.12/24")
    c = lab.add_client("c", "192.0.2.100/24")
    lab.partition([n1], [n2])
    assert not _ping(n1, "192.0.2.12")
    assert _ping(c, "192.0.2.11") and _ping(c, "192.0.2.12")
    lab.heal()
    assert _ping_within(n1, "192.0.2.12", 5)
    with pytest.raises(LabError, match="disjoint"):
        lab.partition([n1], [n1])
