"""Resource monitoring (failover/monitor.py) on the virtual cluster: the real membership
engine and failover manager of two nodes, whose modelled executor (node/services.py)
kills or hangs a service and answers the checks and restarts."""

from __future__ import annotations

from dataclasses import replace

from ha_agents.config.failovercf import FailoverOptions, parse_options
from ha_agents.config.model import Location, ResourceGroup, ResourceSpec
from ha_agents.failover.actions import Probe, RestartResources
from ha_agents.node.cluster import VirtualCluster
from ha_agents.node.services import ServiceFault
from ha_agents.wire.resource_msgs import AskInfo, AskResources
from tests.failover.builders import NODES, make_config

IP = "IPaddr::192.0.2.50/24/eth0"
WEB = "httpd::lighttpd::/etc/lighttpd/lighttpd.conf"
LOC = Location("test", 1)


def group(home: str = "node1") -> ResourceGroup:
    specs = tuple(
        ResourceSpec(t.split("::")[0], tuple(t.split("::")[1:]), t, LOC) for t in (IP, WEB)
    )
    return ResourceGroup(home, specs, LOC)


def options(text: str) -> FailoverOptions:
    opts, diags = parse_options(text, "failover.cf")
    assert diags == []
    return opts


MON = "monitor httpd interval=1 timeout=0.5 restarts=2 window=60\n"


def cluster(text: str = MON, op_delay: float = 0.05) -> VirtualCluster:
    configs = {n: replace(make_config(n), groups=(group(),)) for n in NODES}
    opts = {n: options(text) for n in NODES}
    c = VirtualCluster(configs, options=opts, op_delay=op_delay)
    for n in NODES:
        c.start(n)
    c.run_until_true(lambda: c.serving[IP] == {"node1"} and not c.busy(), 10)
    c.run_for(1.0)
    return c


def work(c: VirtualCluster, node: str, kind: type, after: float = 0.0) -> list[object]:
    return [w for t, w in c.members[node].work if isinstance(w, kind) and t >= after]


def row(c: VirtualCluster, node: str) -> dict[str, object]:
    doc = c.manager(node).status().as_dict()
    monitors = doc["monitors"]
    assert isinstance(monitors, list)
    return monitors[0]  # type: ignore[no-any-return]


def test_without_a_monitor_line_nothing_is_ever_probed() -> None:
    c = cluster("")
    c.run_for(60)
    c.kill_service("node1", IP)
    c.run_for(30)
    assert all(work(c, n, Probe) == [] for n in NODES)
    assert all(work(c, n, RestartResources) == [] for n in NODES)
    assert c.serving[IP] == set()  # as Heartbeat: the dead service stays dead
    assert "monitors" not in c.manager("node1").status().as_dict()
    assert not any("monitor" in t for n in NODES for t in c.notices(n))


def test_only_the_running_group_is_checked_every_interval() -> None:
    c = cluster()
    t0 = c.now
    c.run_for(5)
    probes = work(c, "node1", Probe, t0)
    assert 4 <= len(probes) <= 6
    assert {(p.key, p.index, p.resource, p.timeout) for p in probes} == {(IP, 1, WEB, 0.5)}  # type: ignore[attr-defined]
    assert work(c, "node2", Probe) == []  # node2 does not run the group
    r = row(c, "node1")
    assert (r["state"], r["last_result"], r["failures"], r["restarts_total"]) == (
        "watching", "running", 0, 0,
    )  # fmt: skip


def test_a_killed_service_is_restarted_in_place_within_interval_plus_timeout() -> None:
    c = cluster()
    fault = c.now
    c.kill_service("node1", IP, 1, ServiceFault.DEAD)
    back = c.run_until_true(lambda: c.serving[IP] == {"node1"}, 5)
    restart_ops = 2 * 0.05  # stop + start of the web server
    assert back - fault <= 1 + 0.5 + restart_ops + 0.01
    restarts = work(c, "node1", RestartResources)
    assert [(w.key, w.index) for w in restarts] == [(IP, 1)]  # type: ignore[attr-defined]
    assert c.owners(IP) == ["node1"]
    notes = c.notices("node1")
    assert any(
        n.startswith(f"Resource {WEB} (group {IP}) failed its monitor (stopped") for n in notes
    )
    assert f"Resource {WEB} (group {IP}) restarted in place (restart 1)." in notes
    r = row(c, "node1")
    assert (r["failures"], r["failures_total"], r["restarts_total"]) == (1, 1, 1)


def test_a_hung_service_fails_its_check_at_the_timeout_and_is_restarted() -> None:
    c = cluster()
    c.kill_service("node1", IP, 1, ServiceFault.HUNG)
    c.run_until_true(lambda: bool(work(c, "node1", RestartResources)), 5)
    r = row(c, "node1")
    assert r["last_result"] == "failed" and r["last_duration_s"] == 0.5
    assert "timed out" in str(r["last_detail"])
    c.run_until_true(lambda: c.serving[IP] == {"node1"}, 5)


def test_past_the_restart_limit_the_group_moves_to_the_peer() -> None:
    c = cluster("monitor httpd interval=1 timeout=0.5 restarts=1 window=60\n")
    c.kill_service("node1", IP)
    c.run_until_true(
        lambda: c.serving[IP] == {"node1"} and row(c, "node1")["restarts_total"] == 1, 5
    )
    c.kill_service("node1", IP)
    c.run_until_true(lambda: c.serving[IP] == {"node2"} and not c.busy(), 10)
    assert c.overlaps == []
    notes = c.notices("node1")
    assert any("giving it to the peer (local)" in n for n in notes)
    assert f"Resource group {IP} handed over to the peer after failing here." in notes
    assert row(c, "node1")["refused_here"] is True
    c.run_for(2)
    assert row(c, "node2")["state"] == "watching"  # the peer checks it now
    assert row(c, "node2")["checks_total"] >= 1


def test_a_flapping_service_stops_bouncing_and_says_so() -> None:
    c = cluster("monitor httpd interval=1 timeout=0.5 restarts=0 window=60\n")
    c.kill_service("node1", IP)
    c.run_until_true(lambda: c.serving[IP] == {"node2"} and not c.busy(), 10)
    c.run_for(1.5)
    c.kill_service("node2", IP)  # it fails on the peer too: node1 refuses it back
    c.run_until_true(lambda: row(c, "node2")["state"] == "gave-up", 10)
    assert any("failed here (resource monitoring)" in n for n in c.notices("node1"))
    assert any("keeps failing and the peer did not take it" in n for n in c.notices("node2"))
    assert c.owners(IP) == ["node2"]

    def asks() -> int:
        sent = c.members["node2"].sent
        return sum(1 for _, m in sent if isinstance(m, AskResources) and m.info is AskInfo.ME)

    asked, t = asks(), c.now
    assert asked == 1
    c.kill_service("node2", IP)
    c.run_for(10)
    assert work(c, "node2", RestartResources, t) == []  # no more restarts ...
    assert asks() == asked and c.owners(IP) == ["node2"]  # ... and no more moves
    assert len(work(c, "node2", Probe, t)) >= 8  # but it is still checked
    c.executor.forget("node2", IP)  # a human fixed it
    c.run_until_true(lambda: row(c, "node2")["state"] == "watching", 3)
    assert any("runs again: monitoring resumes" in n for n in c.notices("node2"))


def test_a_failed_restart_moves_the_group_at_once() -> None:
    c = cluster()
    c.fail_start.add(("node1", IP))
    c.kill_service("node1", IP)
    c.run_until_true(lambda: c.serving[IP] == {"node2"} and not c.busy(), 10)
    assert any(n.startswith(f"Restart of {WEB} (group {IP}) failed") for n in c.notices("node1"))


def test_without_a_peer_the_limit_gives_up_at_once() -> None:
    c = cluster("monitor httpd interval=1 timeout=0.5 restarts=0 window=60\n")
    c.power_off("node2")
    c.run_until_true(lambda: not c.busy() and c.owners(IP) == ["node1"], 5)
    c.run_for(2)
    c.kill_service("node1", IP)
    c.run_until_true(lambda: row(c, "node1")["state"] == "gave-up", 5)
    assert "No reply to standby request.  Standby request cancelled." in c.notices("node1")
    assert any("no peer can take it" in n for n in c.notices("node1"))
    assert c.owners(IP) == ["node1"]


def test_monitoring_pauses_while_a_group_moves() -> None:
    c = cluster("monitor httpd interval=0.2 timeout=0.1\n", op_delay=0.5)
    c.admin("node1", {"cmd": "standby", "which": "all"})
    c.run_until_true(lambda: c.serving[IP] == {"node2"} and not c.busy(), 5)
    manager = c.manager("node1")
    # no check was started on either node between the request and the settled move
    moved = max(t for t, _, op, _k in c.ops if op == "start")
    asked = min(t for t, _, op, _k in c.ops if op == "stop")
    assert moved - asked >= 1.0  # five intervals
    assert not [t for t, _n, _k, _i in c.executor.probes if asked <= t <= moved]
    assert manager.status().as_dict()["monitors"][0]["state"] == "idle"  # type: ignore[index]


def test_failures_outside_the_window_are_forgotten() -> None:
    c = cluster("monitor httpd interval=1 timeout=0.5 restarts=1 window=5\n")
    for _ in range(3):
        c.kill_service("node1", IP)
        c.run_until_true(lambda: c.serving[IP] == {"node1"}, 5)
        c.run_for(6)  # longer than the window
    assert c.owners(IP) == ["node1"]
    assert len(work(c, "node1", RestartResources)) == 3
    assert row(c, "node1")["failures_total"] == 3


def test_a_hand_over_whose_release_outlasts_standby_timeout_still_completes() -> None:
    # A hung web server's stop takes seconds (its own checks time out first); the taker
    # must wait for the giver's 'done' as Heartbeat does, or nobody holds the group.
    c = cluster("")
    c.durations["httpd"] = 4.0  # longer than standby_timeout (max(deadtime, 2 s))
    reply = c.admin("node1", {"cmd": "standby", "which": "all"})
    assert reply["ok"]
    c.run_until_true(lambda: c.serving[IP] == {"node2"} and not c.busy(), 20)
    assert not any("timed out" in n for n in c.notices("node2"))
