"""simulate: the real engines on a virtual clock; timelines checked against the spec.

protocol.md / resources.md §7: a peer is declared dead ``deadtime`` after it was last
heard; the survivor then takes over the dead node's groups (start left to right); a clean
stop releases (right to left) and hands over at once; standby moves groups without a
death; auto_failback legacy refuses standby.
"""

from __future__ import annotations

import re

import pytest

from ha_agents.config.model import AutoFailback, ClusterConfig
from ha_agents.export.simulator import Fault, Prediction, predict

from .builders import bcast, group, make_config

KEEPALIVE = 1.0
DEADTIME = 6.0
D = 0.25  # script duration per resource
EPS = 0.01  # message latency and timer granularity


def _cfg(**kw: object) -> ClusterConfig:
    return make_config(
        group(
            "node1", "IPaddr::192.0.2.50/24/eth0", "Filesystem::/dev/sdb1::/srv::ext4", "lighttpd"
        ),
        group("node2", "192.0.2.51", "httpd"),
        keepalive_ms=int(KEEPALIVE * 1000),
        deadtime_ms=int(DEADTIME * 1000),
        **kw,  # type: ignore[arg-type]
    )


def _run(fault: Fault, **kw: object) -> Prediction:
    p = predict(_cfg(**kw), fault, "node1", script_duration_s=D)
    assert p.settled
    return p


G1 = "IPaddr::192.0.2.50/24/eth0"
G2 = "192.0.2.51"


def _texts(p: Prediction, node: str) -> list[str]:
    return [e.text for e in p.timeline if e.node == node]


def test_kill_detected_at_deadtime_after_last_heartbeat_then_takeover() -> None:
    p = _run(Fault.KILL)
    # the fault is injected half a keepalive after node1's last heartbeat
    assert p.detected_at == pytest.approx(DEADTIME - KEEPALIVE / 2, abs=EPS)
    (outage,) = p.outages
    assert outage.key == G1 and outage.down_at == 0.0 and outage.up_on == "node2"
    assert outage.up_at == pytest.approx(p.detected_at + 3 * D, abs=EPS)
    texts = _texts(p, "node2")
    assert "WARN: node node1: is dead" in texts
    starts = [t for t in texts if t.startswith("start ")]
    assert starts == [f"start {G1}", "start Filesystem::/dev/sdb1::/srv::ext4", "start lighttpd"]
    assert p.split_brain == ()


def test_kill_of_node_without_groups_has_no_outage() -> None:
    cfg = make_config(group("node2", "192.0.2.51"), keepalive_ms=1000, deadtime_ms=6000)
    p = predict(cfg, Fault.KILL, "node1", script_duration_s=D)
    assert p.outages == ()
    assert p.detected_at == pytest.approx(DEADTIME - KEEPALIVE / 2, abs=EPS)


def test_hang_keeps_serving_but_peer_takes_over_split_brain() -> None:
    p = _run(Fault.HANG)
    assert p.detected_at == pytest.approx(DEADTIME - KEEPALIVE / 2, abs=EPS)
    assert p.outages == ()  # the frozen node's services still answer
    assert p.split_brain == (G1,)
    ((key, node, at),) = p.takeovers
    assert (key, node) == (G1, "node2")
    assert at == pytest.approx(DEADTIME - KEEPALIVE / 2 + 3 * D, abs=EPS)


def test_linkdown_both_sides_declare_death_and_take_over() -> None:
    p = _run(Fault.LINKDOWN)
    assert "WARN: node node2: is dead" in _texts(p, "node1")
    assert "WARN: node node1: is dead" in _texts(p, "node2")
    (outage,) = p.outages
    assert outage.key == G1 and outage.up_on == "node2"
    assert outage.up_at == pytest.approx(DEADTIME - KEEPALIVE / 2 + 3 * D, abs=EPS)
    # Both nodes hold both groups: the cut-off node keeps its own and starts node2's,
    # node2 takes node1's (clients reach only node2).
    assert p.split_brain == (G1, G2)


def test_stop_releases_right_to_left_and_peer_takes_over_at_once() -> None:
    p = _run(Fault.STOP)
    stops = [t for t in _texts(p, "node1") if t.startswith("stop ")]
    assert stops == ["stop lighttpd", "stop Filesystem::/dev/sdb1::/srv::ext4", f"stop {G1}"]
    (outage,) = p.outages
    assert outage.down_at == 0.0
    # release, the daemon's 50 ms shutdown poll, acquire
    assert 6 * D <= outage.up_at <= 6 * D + 0.05 + EPS
    assert outage.up_at < DEADTIME  # no waiting for deadtime


def test_standby_moves_group_without_death() -> None:
    p = _run(Fault.STANDBY)
    assert p.detected_at is None
    (outage,) = p.outages
    assert outage.up_on == "node2"
    assert outage.duration == pytest.approx(6 * D, abs=EPS)


def test_standby_refused_in_legacy_mode() -> None:
    p = _run(Fault.STANDBY, auto_failback=AutoFailback.LEGACY)
    assert p.outages == ()
    assert any(
        "Standby mode only implemented when nice_failback on" in t for t in _texts(p, "node1")
    )


def test_deadtime_scales_detection() -> None:
    cfg = make_config(group("node1", "192.0.2.50"), keepalive_ms=2000, deadtime_ms=30000)
    p = predict(cfg, Fault.KILL, "node1", script_duration_s=0.1)
    assert p.detected_at == pytest.approx(29.0, abs=EPS)
    (outage,) = p.outages
    assert outage.duration == pytest.approx(29.1, abs=EPS)


def test_per_script_durations_change_the_outage() -> None:
    durations = {"lighttpd": 2.0, "IPaddr": 0.1}
    p = predict(_cfg(), Fault.KILL, "node1", script_duration_s=D, durations=durations)
    (outage,) = p.outages
    # IPaddr 0.1 + Filesystem 0.25 (default) + lighttpd 2.0 after detection
    assert outage.duration == pytest.approx(DEADTIME - KEEPALIVE / 2 + 2.35, abs=EPS)
    starts = [
        (round(e.t - p.detected_at, 2), e.text) for e in p.timeline if e.text.startswith("start ")
    ]  # type: ignore[operator]
    assert starts == [
        (0.0, f"start {G1}"),
        (0.1, "start Filesystem::/dev/sdb1::/srv::ext4"),
        (0.35, "start lighttpd"),
    ]


def _two_links() -> ClusterConfig:
    return make_config(
        group("node1", "IPaddr::192.0.2.50/24/eth0", "lighttpd"),
        media=(bcast("eth0", line=5), bcast("eth1", line=6)),
        keepalive_ms=int(KEEPALIVE * 1000),
        deadtime_ms=int(DEADTIME * 1000),
    )


def test_linkdown_of_the_second_link_moves_nothing() -> None:
    """The crossover cable (eth1) fails: the peers still hear each other on eth0."""
    p = predict(_two_links(), Fault.LINKDOWN, "node1", script_duration_s=D, link="eth1")
    assert p.settled and p.link == "eth1"
    assert p.detected_at is None and p.outages == () and p.takeovers == ()
    assert "info: Link node1:eth1 dead." in _texts(p, "node2")
    assert not any("is dead" in t for t in _texts(p, "node2"))


def test_linkdown_of_the_client_link_loses_clients_without_a_failover() -> None:
    """eth0 (the first link: the clients' network) fails, eth1 still carries heartbeats:
    Heartbeat v1 does not move the group, so the clients lose it."""
    p = predict(_two_links(), Fault.LINKDOWN, "node1", script_duration_s=D, link="eth0")
    assert p.detected_at is None and p.takeovers == ()
    (outage,) = p.outages
    assert outage.down_at == 0.0 and outage.up_at is None


@pytest.mark.parametrize("fault", [Fault.KILL, Fault.HANG, Fault.LINKDOWN])
def test_the_report_states_a_detection_range_that_holds(fault: Fault) -> None:
    from ha_agents.export.simreport import render_text

    cfg = _cfg()
    p = predict(cfg, fault, "node1", script_duration_s=D)
    line = next(s for s in render_text(cfg, p, D).splitlines() if s.startswith("detection:"))
    low, high = (float(w) for w in re.findall(r"between ([\d.]+) and ([\d.]+) s", line)[0])
    assert p.detected_at is not None and low <= p.detected_at <= high + EPS, line


def test_a_clean_stop_claims_no_deadtime_range() -> None:
    from ha_agents.export.simreport import render_text

    cfg = _cfg()
    p = predict(cfg, Fault.STOP, "node1", script_duration_s=D)
    line = next(s for s in render_text(cfg, p, D).splitlines() if s.startswith("detection:"))
    assert "between" not in line and "shutdone" in line and "took over at once" in line
