"""The exported corosync.conf runs: two real corosync 3 daemons (knet, aes256/sha1 crypto)
in lab namespaces form a quorate two-node cluster, and a lost node is noticed in about
ha.cf's deadtime (token = deadtime / 2.2, plus consensus)."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from ha_agents.export.corosync import NodeAddresses, render_corosync

from .builders import make_config, ucast
from .verify import needs_corosync, quorum_nodes, start_corosync

pytestmark = [needs_corosync, pytest.mark.netns]

DEADTIME_S = 3.0


def test_exported_corosync_forms_quorate_cluster_and_detects_loss(tmp_path: Path) -> None:
    from tests.lab import Lab, wait_until

    cfg = make_config(media=(ucast("eth0", "192.0.2.12"),), deadtime_ms=int(DEADTIME_S * 1000))
    given = {"node1": ("192.0.2.11",), "node2": ("192.0.2.12",)}
    text, _ = render_corosync(cfg, NodeAddresses(given, {}))
    with Lab("coro") as lab:
        etc = lab.tmpdir / "etc-corosync"
        etc.mkdir()
        (etc / "corosync.conf").write_text(text)
        (etc / "authkey").write_bytes(os.urandom(256))  # what corosync-keygen would write
        (etc / "authkey").chmod(0o400)
        hosts = {
            "node1": lab.add_host("n1", "192.0.2.11/24"),
            "node2": lab.add_host("n2", "192.0.2.12/24"),
        }
        procs = {n: start_corosync(h, etc, lab.tmpdir / f"{n}.log") for n, h in hosts.items()}
        for name, host in hosts.items():
            ok = wait_until(lambda h=host, p=procs[name]: quorum_nodes(h, p) == 2, 20)
            log = (lab.tmpdir / f"{name}.log").read_text(errors="replace")
            assert ok, f"{name} never saw two members: {log[-2000:]}"
        out = (
            hosts["node1"]
            .run(["nsenter", "-t", str(procs["node1"].pid), "-m", "corosync-quorumtool", "-s"])
            .stdout
        )
        assert re.search(r"^Quorate:\s+Yes", out, re.M)
        assert "2Node" in out
        procs["node2"].send_signal(signal.SIGKILL)
        hosts["node2"].link_down()
        t0 = time.monotonic()
        assert wait_until(lambda: quorum_nodes(hosts["node1"], procs["node1"]) == 1, 20)
        lost_after = time.monotonic() - t0
        print(f"corosync lost node2 after {lost_after:.3f} s (deadtime {DEADTIME_S} s)")
        # token + consensus = 2.2 x token = deadtime (the poll adds a little)
        assert DEADTIME_S - 1.0 < lost_after < DEADTIME_S + 2.0, lost_after
        out = (
            hosts["node1"]
            .run(["nsenter", "-t", str(procs["node1"].pid), "-m", "corosync-quorumtool", "-s"])
            .stdout
        )
        assert re.search(r"^Quorate:\s+Yes", out, re.M)  # two_node: the survivor keeps quorum
