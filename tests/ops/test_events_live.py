"""Prometheus metrics scraped over HTTP and user hooks, from a live daemon in a lab
namespace whose peer is killed (the peer's resource group fails over to it)."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.lab.agentnode import medium, wait_status
from tests.lab.netns import Host, Lab
from tests.lab.waiting import wait_until
from tests.ops.helpers import OpsNode, hook_script, retry_killed

NODES = ["node1", "node2"]
GROUP = "hbtest::grp"
pytestmark = pytest.mark.netns


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("oe") as lab:
        yield lab


def _agent(config_dir: Path, state: Path) -> None:
    """A Heartbeat-class resource script keeping its state in a file."""
    script = config_dir / "resource.d" / "hbtest"
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        "#!/bin/sh\n"
        f'f="{state}.$1"\n'
        'case "$2" in\n'
        '  start) touch "$f" ;;\n'
        '  stop) rm -f "$f" ;;\n'
        '  status) if [ -e "$f" ]; then echo running; else echo stopped; fi ;;\n'
        "esac\nexit 0\n"
    )
    script.chmod(0o755)


def _cluster(lab: Lab, node1_extra: list[str]) -> tuple[OpsNode, OpsNode, Host]:
    hosts = [lab.add_host(n, lab.cidr(11 + i)) for i, n in enumerate(NODES)]
    nodes = []
    for name, host in zip(NODES, hosts, strict=True):
        node = OpsNode(lab.tmpdir, name, NODES, [medium("bcast", "eth0")], host=host)
        (node.config_dir / "haresources").write_text(f"node2 {GROUP}\n")
        _agent(node.config_dir, node.dir / "rsc")
        nodes.append(node)
    nodes[0].configure(extra=node1_extra)
    nodes[1].start()
    nodes[0].start()
    for me, other in ((nodes[0], "node2"), (nodes[1], "node1")):
        assert wait_status(lambda m=me, o=other: m.nodestatus(o), "active", 10), me.output()
    assert wait_until(lambda: (nodes[1].dir / "rsc.grp").exists(), 10), nodes[1].output()
    nodes[0].wait_steady()
    return nodes[0], nodes[1], hosts[0]


def _scrape(host: Host) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    argv = ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9694/metrics"]
    r = retry_killed(lambda: host.run(argv, check=False))
    assert r.returncode == 0, r.stderr
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(r.stdout):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def test_metrics_scraped_over_http_follow_the_peer(lab: Lab) -> None:
    node1, node2, host1 = _cluster(lab, ["--metrics-address", "127.0.0.1:9694"])
    time.sleep(1.0)
    m = _scrape(host1)
    assert m["ha_agents_node_up"][(("node", "node2"),)] == 1
    assert m["ha_agents_node_up"][(("node", "node1"),)] == 1
    assert m["ha_agents_link_up"][(("link", "eth0"), ("node", "node2"))] == 1
    assert m["ha_agents_local_active"][()] == 1
    assert m["ha_agents_group_running_here"][(("group", GROUP), ("home", "node2"))] == 0
    count = m["ha_agents_heartbeat_interarrival_seconds_count"][(("node", "node2"),)]
    total = m["ha_agents_heartbeat_interarrival_seconds_sum"][(("node", "node2"),)]
    assert count >= 10 and 0.15 <= total / count <= 0.3  # keepalive 200ms
    assert m["ha_agents_packets_forged_total"][()] == 0

    node2.kill(signal.SIGKILL)
    assert wait_until(lambda: (node1.dir / "rsc.grp").exists(), 10), node1.output()
    assert wait_until(
        lambda: (
            _scrape(host1)["ha_agents_group_running_here"][(("group", GROUP), ("home", "node2"))]
            == 1
        ),
        10,
    )
    m = _scrape(host1)
    assert m["ha_agents_node_up"][(("node", "node2"),)] == 0
    assert m["ha_agents_link_up"][(("link", "eth0"), ("node", "node2"))] == 0
    assert m["ha_agents_events_total"][(("event", "node-dead"),)] == 1
    assert m["ha_agents_takeovers_total"][(("group", GROUP),)] == 1
    assert m["ha_agents_node_last_heard_seconds"][(("node", "node2"),)] >= 1.0

    doc = node1.doc()  # the same facts in status --json
    assert doc["counters"] == {"dropped": 0, "forged": 0, "replayed": 0}
    group = doc["resources"]["groups"][0]
    assert (group["key"], group["owner"], group["state"]) == (GROUP, "node1", "running")
    assert 0 <= group["last_transition_s"] < 10
    peer = next(n for n in doc["nodes"] if n["name"] == "node2")
    assert peer["status"] == "dead" and peer["links"][0]["last_heard_s"] >= 1.0

    r = node1.cli("watch", "--once")  # the terminal view of the same document
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert next(row[:2] for row in rows if row and row[0] == "node2") == ["node2", "dead"]
    assert next(row[:4] for row in rows if row and row[0] == GROUP) == [
        GROUP,
        "node2",
        "running",
        "node1",
    ]
    assert "packets: dropped 0, forged 0, replayed 0" in r.stdout


def test_hooks_get_documented_argv_and_env_on_node_dead_and_group_acquired(lab: Lab) -> None:
    record = lab.tmpdir / "hook-calls"
    hooks = lab.tmpdir / "ha-node1" / "etc-ha.d" / "ha_agents" / "hooks.d"
    hooks.mkdir(parents=True)
    hook_script(hooks / "10-record", record)
    (hooks / "20-skipped.dpkg-old").write_text("#!/bin/sh\nexit 1\n")  # not a hook name
    node1, node2, _ = _cluster(lab, [])
    node2.kill(signal.SIGKILL)

    def calls() -> list[dict[str, Any]]:
        text = record.read_text() if record.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    assert wait_until(lambda: any(c["argv"][0] == "group-acquired" for c in calls()), 10)
    by_event = {str(c["argv"][0]): c for c in calls()}
    dead = by_event["node-dead"]
    assert dead["argv"] == ["node-dead", "node2"]
    env = dead["env"]
    assert isinstance(env, dict)
    assert env["HA_EVENT"] == "node-dead" and env["HA_NODE"] == "node2"
    assert env["HA_GROUP"] == "" and env["HA_CURHOST"] == "node1"
    assert env["HA_d"] == str(node1.config_dir)
    acquired = by_event["group-acquired"]
    assert acquired["argv"] == ["group-acquired", "node1", GROUP]
    assert isinstance(acquired["env"], dict) and acquired["env"]["HA_GROUP"] == GROUP
    assert "node-up" in by_event and by_event["node-up"]["argv"] == ["node-up", "node2"]
    assert "20-skipped" not in node1.log_text()  # it would log its exit 1
