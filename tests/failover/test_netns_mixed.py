"""Mixed cluster: one real Heartbeat 3.0.6 node and one ha_agents node, each the home of
one VIP group, walk every v1 exchange (start, join, standby all/failback/local/foreign,
takeover all/local, orderly stop and restart, power loss and return, split brain and
heal) on one shared cluster, both ways round.

After each exchange: each VIP where it belongs, on exactly one host; both nodes active
to each other with every link up; and no ERROR/CRIT line on the Heartbeat node that two
Heartbeat nodes do not log in the same exchange (tests/data/mixed/, recorded with
tools/mixed_baseline.py).  The suite runs two representative cases: Heartbeat as node1
over ucast with auto_failback on, and ha_agents as node1 over serial with auto_failback
off; bench/mixed_matrix.py runs all 24 (4 media x 3 modes x 2 directions).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab import Lab
from tests.lab.exchanges import load_baseline, run_sequence, unexpected_errors
from tests.lab.mixed import Case, MixedCluster

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mx") as lab:
        yield lab


@pytest.mark.parametrize(
    "case",
    [Case("ucast", "on", ("hb", "ours")), Case("serial", "off", ("ours", "hb"))],
    ids=lambda c: c.name,
)
def test_every_exchange_with_a_heartbeat_peer(lab: Lab, case: Case) -> None:
    cluster = MixedCluster(lab, case)
    results = run_sequence(cluster)
    logs = {n: m.log()[-4000:] for n, m in cluster.members.items()}
    unsettled = [(r.step, r.problems) for r in results if r.problems]
    assert unsettled == [], (unsettled, logs)
    assert [r.step for r in results][-1] == "split-brain-heal"
    assert unexpected_errors(cluster, results, load_baseline()) == [], logs
