"""docs/migration.md, executed once with a client polling the VIP: a real Heartbeat pair,
node2 moved to ha_agents (mixed cluster), node1 moved (hb_standby, then ha_agents), then
the cut-over to Pacemaker with the pcs script the export writes (tests/lab/migration.py;
bench/migration.py repeats it and prints the figures)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.lab import Lab
from tests.lab.migration import PCMK_GROUP, RollingMigration

pytestmark = [
    pytest.mark.netns,
    pytest.mark.heartbeat,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path("/usr/sbin/pacemakerd").exists() and os.environ.get("CI") != "true",
        reason="needs Debian pacemaker + corosync (make deps installs them; under CI it fails)",
    ),
]


def test_rolling_migration_heartbeat_to_ha_agents_to_pacemaker() -> None:
    with Lab("mg") as lab:
        m = RollingMigration(lab, fmt="pcs")
        m.start_heartbeat_pair()
        one = m.move_node2()
        standby = m.standby_node1()
        two = m.move_node1()
        three = m.to_pacemaker(lab.tmpdir / "pcmk")
        m.poller.stop()
        assert m.pcmk is not None
        view = m.pcmk.view()
        assert view is not None and view.where(PCMK_GROUP) == ("node1",)
    # moving the idle node costs the client nothing
    assert one.failed == 0, one
    # hb_standby moves the VIP to ha_agents' node2, auto_failback brings it home: each
    # a short gap (release + acquire, no deadtime involved)
    assert standby.holder == "node2" and (standby.gap_s is None or standby.gap_s < 3.0), standby
    assert two.gap_s is None or two.gap_s < 3.0, two
    # the maintenance window: stop both, form the Pacemaker cluster (~25 s), load, start
    assert three.gap_s is not None and 10.0 < three.gap_s < 120.0, three
