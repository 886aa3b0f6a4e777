"""Interop over serial: a real Heartbeat 3.0.6 node and an ha_agents node on the two ends
of a socat pty pair (a null-modem cable) see each other, the link is up on both sides,
each sees the other die, and nothing is dropped or refused on either side."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.lab.agentnode import AgentNode, medium, wait_status
from tests.lab.netns import Lab
from tests.lab.serial import pty_pair

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
HA_CF = (
    "keepalive 200ms\nwarntime 600ms\ndeadtime 1\ninitdead 2\nbaud 19200\nserial {tty}\n"
    "auto_failback on\nnode node1\nnode node2\n"
)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("ms") as lab:
        yield lab


def test_heartbeat_and_ha_agents_over_a_serial_line(lab: Lab) -> None:
    h1 = lab.add_host("n1", lab.cidr(11))
    h2 = lab.add_host("n2", lab.cidr(12))
    tty_hb, tty_ours = pty_pair(lab, h1)
    hb = lab.add_heartbeat_node(h1, "node1", HA_CF.format(tty=tty_hb))
    ours = AgentNode(
        lab.tmpdir, "node2", ["node1", "node2"], [medium("serial", str(tty_ours), baud=19200)],
        host=h2,
    )  # fmt: skip
    hb.start()
    ours.start()
    assert wait_status(lambda: hb.nodestatus("node2"), "active", 15) is not None, hb.log()[-2000:]
    assert wait_status(lambda: ours.nodestatus("node1"), "active", 10) is not None, ours.output()
    r = hb.cl_status("hblinkstatus", "node2", str(tty_hb))
    assert (r.stdout, r.returncode) == ("up\n", 0)
    r = ours.status("hblinkstatus", "node1", str(tty_ours))
    assert (r.stdout, r.returncode) == ("up\n", 0)
    assert hb.wait_log(r"Link node2:\S+ttyA up\.", 1) is not None
    assert "failed authentication" not in hb.log() and "NV failure" not in hb.log()
    assert ours.doc()["dropped"] == {}

    # each side sees the other die over the serial line alone
    ours.wait_steady()
    ours.kill(signal.SIGKILL)
    assert wait_status(lambda: hb.nodestatus("node2"), "dead", 10) is not None
    mark = hb.log_mark()
    ours.start()
    assert wait_status(lambda: hb.nodestatus("node2"), "active", 15) is not None
    assert hb.wait_log(r"Heartbeat restart on node node2", 5, since=mark) is not None
    assert wait_status(lambda: ours.nodestatus("node1"), "active", 10) is not None
    ours.wait_steady()
    hb.kill(signal.SIGKILL)
    assert wait_status(lambda: ours.nodestatus("node1"), "dead", 10) is not None
    assert "node node1: is dead" in ours.output()
