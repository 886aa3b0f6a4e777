"""A short seeded CTS run (tests/cts/) against two ha_agents nodes and against two real
Heartbeat 3.0.6 nodes: the same three steps for both.  bench/cts.py runs hundreds.

The plan of SEED (Fastdetection, Standby, Flip: a power loss of the VIP's owner and its
reboot, hb_standby, an orderly stop) is fixed by the seed; each run stays well under a
minute (a Heartbeat start alone takes ~11 s).  The ha_agents run must pass every audit
(one VIP owner, the client served by it, no unexplained ERROR/CRIT line, the right
daemons alive).  More tests pin what the long runs found: an ordinary start must not
log "returning after partition", and hb_standby of a slow-stopping service must still
move it (both failed before the fixes in main); ResourceRecover: resource monitoring
(issue 17) brings a killed web server back.
"""

from __future__ import annotations

import pytest

from tests.cts import report
from tests.cts.cluster import CtsCluster, Settings
from tests.cts.driver import run_plan, run_step, setup
from tests.cts.kinds import KINDS
from tests.cts.plan import PASS, Step, plan
from tests.lab import Lab

pytestmark = pytest.mark.netns

SEED = 763
STEPS = plan(SEED, 3, list(KINDS))


def _run(system: str) -> list[str]:
    records = run_plan(system, SEED, STEPS, prefix="ctst")
    assert [(r.index, r.kind) for r in records] == [
        (0, "Setup"),
        *[(s.index, s.kind) for s in STEPS],
    ]
    return [report.failures([r]) for r in records if r.status != PASS]


def test_cts_plan_of_the_suite_seed() -> None:
    assert [(s.kind, s.node) for s in STEPS] == [
        ("Fastdetection", "node1"),
        ("Standby", "node1"),
        ("Flip", "node1"),
    ]


def test_cts_short_run_ha_agents_passes_every_audit() -> None:
    assert _run("ha_agents") == []


@pytest.mark.heartbeat
def test_cts_short_run_heartbeat_baseline_passes_every_audit() -> None:
    assert _run("heartbeat") == []


def test_cts_start_after_the_peer_came_up_alone_logs_no_crit() -> None:
    """Found by bench/cts.py: a node that came up alone and declared its peer dead at
    initdead logged 'CRIT: Cluster node X returning after partition.' when the peer
    started; Heartbeat 3.0.6 logs nothing (the peer's first generation)."""
    records = run_plan("ha_agents", 0, [Step(1, "StartOnebyOne", "node2")], prefix="ctso")
    assert [r.status for r in records] == [PASS, PASS], report.failures(records)


def test_cts_standby_of_a_slow_stopping_service_moves_it_to_the_peer() -> None:
    """Found by bench/cts.py --web-stop-s 3: the peer gave up waiting for 'done' after
    max(deadtime, 2 s) ('Standby [all] with node1 timed out.') while the service was
    still stopping, and the group stayed on no node; Heartbeat 3.0.6 waits up to an hour
    for the resources (HB_STANDBY_RSC_TO_MS)."""
    records = run_plan(
        "ha_agents",
        0,
        [Step(1, "Standby", "node1")],
        Settings(web_stop_s=3.0, settle_timeout_s=10),
        prefix="ctsb",
    )
    assert [r.status for r in records] == [PASS, PASS], report.failures(records)


def test_cts_resource_recover_brings_the_web_server_back() -> None:
    with Lab("ctsr") as lab:
        c = CtsCluster.build(lab, "ha_agents", Settings())
        first = run_step(c, 0, Step(0, "Setup", "node1"), setup)
        assert first.status == PASS, report.failures([first])
        kind = KINDS["ResourceRecover"]
        rec = run_step(c, 0, Step(1, kind.name, "node1"), kind.run, check_applicable=False)
        assert rec.status == PASS, report.failures([rec])
