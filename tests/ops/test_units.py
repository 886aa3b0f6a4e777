"""Pure parts of the ops layer: reload plans, operator events, the watch screen, the
metrics registry, address parsing, packet counter groups; and the hook runner with
real processes (timeout kills the hook; the loop is never blocked)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ha_agents.config.load import load_config
from ha_agents.config.model import ClusterConfig
from ha_agents.config.reloadplan import plan_reload
from ha_agents.daemon.hooks import HookRunner, hook_files
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.metricsserver import AddressError, parse_address
from ha_agents.membership import actions as ma
from ha_agents.membership.states import LinkStatus
from ha_agents.status.counters import summarize
from ha_agents.status.events import GroupWatch, OpsEvent, from_cluster_event, status_line
from ha_agents.status.metrics import DaemonMetrics
from ha_agents.status.watchview import render

HA_CF = (
    "keepalive 200ms\nwarntime 600ms\ndeadtime 1000ms\ninitdead 2000ms\nudpport 694\n"
    "bcast lo\nauto_failback on\nnode node1\nnode node2\n"
)


def _config(tmp: Path, ha_cf: str = HA_CF, keys: str = "auth 1\n1 sha1 secret\n",
            haresources: str = "node1 hbtest::a\n") -> ClusterConfig:  # fmt: skip
    d = tmp / f"c{len(list(tmp.iterdir()))}"
    d.mkdir()
    (d / "ha.cf").write_text(ha_cf)
    (d / "authkeys").write_text(keys)
    (d / "authkeys").chmod(0o600)
    (d / "haresources").write_text(haresources)
    config, _ = load_config(str(d), "node1")
    assert config is not None
    return config


def test_reload_plan_applies_timers_media_keys_and_resource_lists(tmp_path: Path) -> None:
    old = _config(tmp_path)
    new = _config(
        tmp_path,
        HA_CF.replace("keepalive 200ms", "keepalive 300ms").replace(
            "bcast lo", "ucast lo 127.0.0.2"
        ),
        keys="auth 2\n1 sha1 secret\n2 sha1 other\n",
        haresources="node1 hbtest::a hbtest::b\n",
    )
    plan = plan_reload(old, new)
    assert plan.ok and plan.timers and plan.media and plan.authkeys
    assert plan.changes == (
        "keepalive 200ms -> 300ms",
        "medium removed: bcast lo 694",
        "medium added: ucast lo 127.0.0.2 694",
        "authkeys changed (signing with index 2)",
    )
    assert plan.groups and plan.deferred == ()  # same group, same home: lists only
    assert plan_reload(old, _config(tmp_path)).changes == ()
    moved = plan_reload(old, _config(tmp_path, haresources="node2 hbtest::a\n"))
    assert not moved.groups
    assert moved.deferred == ("haresources changed (groups or their home nodes)",)


def test_reload_plan_refuses_a_new_node_list(tmp_path: Path) -> None:
    # (three nodes: membership only, haresources on 3+ nodes is refused at load, HR209)
    three = _config(tmp_path, HA_CF + "node node3\n", haresources="")
    plan = plan_reload(_config(tmp_path), three)
    assert not plan.ok
    assert plan.refused[0].startswith("node list changed (node1 node2 -> node1 node2 node3)")


def test_cluster_events_are_named_for_operators() -> None:
    assert from_cluster_event(ma.NodeDead("node2", "silent for deadtime"), "node1") == OpsEvent(
        "node-dead", "node2", reason="silent for deadtime"
    )
    link = from_cluster_event(ma.LinkStateChanged("node2", "eth0", LinkStatus.DEAD, "silent"), "n1")
    assert link == OpsEvent("link-dead", "node2", link="eth0", reason="silent")
    assert from_cluster_event(ma.LocalActive((), "all peers heard"), "node1") == OpsEvent(
        "local-active", "node1", reason="all peers heard"
    )
    notice = ma.Notice(ma.Level.INFO, "text")
    assert from_cluster_event(notice, "node1") is None


def test_group_watch_reports_each_local_transition_once() -> None:
    watch = GroupWatch("node1")

    def doc(state: str) -> dict[str, object]:
        return {"groups": [{"key": "IPaddr::192.0.2.50", "state": state}]}

    assert watch.update(doc("stopped")) == []
    assert watch.update(doc("starting")) == []
    (acquired,) = watch.update(doc("running"))
    assert (acquired.name, acquired.node, acquired.group) == (
        "group-acquired", "node1", "IPaddr::192.0.2.50",
    )  # fmt: skip
    assert watch.update(doc("running")) == []
    watch.update(doc("stopping"))
    assert [e.name for e in watch.update(doc("stopped"))] == ["group-released"]
    assert [e.name for e in watch.update(doc("failed"))] == ["group-failed"]
    assert watch.update(None) == []


DOC: dict[str, object] = {
    "node": "node1",
    "status": "active",
    "version": "0.1",
    "pid": 42,
    "generation": 7,
    "nodes": [
        {"name": "node2", "status": "dead", "last_heard_s": 3.25, "local": False,
         "links": [{"name": "eth0", "status": "dead", "last_heard_s": 3.25}]},
        {"name": "node1", "status": "active", "last_heard_s": 0.0, "local": True,
         "links": [{"name": "eth0", "status": "up", "last_heard_s": None}]},
    ],
    "resources": {"rscstatus": "all", "groups": [
        {"key": "IPaddr::192.0.2.50", "home": "node2", "state": "running", "owner": "node1",
         "last_transition_s": 1.5}]},
    "dropped": {"bad_trailer_digest": 2, "replay_old_generation": 1, "malformed": 1},
    "counters": {"dropped": 4, "forged": 2, "replayed": 1},
}  # fmt: skip


def test_status_line_and_watch_screen() -> None:
    assert status_line(DOC) == "node1 active; peers: node2 dead; resources: all"
    screen = render(DOC, "2026-11-25 10:00:00").splitlines()
    assert screen[0] == "ha-agents watch  2026-11-25 10:00:00"
    assert screen[4].split() == ["node2", "dead", "3.2s", "eth0:dead(3.2s)"]
    assert screen[5].split() == ["node1", "active", "local", "eth0:up(-)"]
    assert screen[9].split() == ["IPaddr::192.0.2.50", "node2", "running", "node1", "1.5s"]
    assert screen[-1] == "packets: dropped 4, forged 2, replayed 1"
    assert render(None, "t").endswith("the daemon is not running\n")


def test_counter_groups() -> None:
    counts = {"bad_trailer_digest": 2, "forged_self": 1, "replay_old_generation": 3,
              "duplicate": 9, "own_echo": 5, "malformed": 1}  # fmt: skip
    assert summarize(counts) == {"dropped": 7, "forged": 3, "replayed": 3}


def test_metrics_registry_renders_the_document_and_interarrival() -> None:
    metrics = DaemonMetrics(lambda: DOC, keepalive_s=0.2)
    for seq, t in ((1, 0.0), (2, 0.2), (2, 0.21), (3, 0.41), (4, 0.6)):
        metrics.heartbeat("node2", seq, t)  # seq 2 twice: a second link, not a gap
    metrics.forget("node2")
    metrics.heartbeat("node2", 9, 5.0)  # after a death: no 4.4 s gap recorded
    metrics.event("node-dead")
    got = {}
    for fam in text_string_to_metric_families(metrics.render().decode()):
        for s in fam.samples:
            got[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert got[("ha_agents_node_up", (("node", "node2"),))] == 0
    assert got[("ha_agents_node_up", (("node", "node1"),))] == 1
    assert (
        got[("ha_agents_group_running_here", (("group", "IPaddr::192.0.2.50"), ("home", "node2")))]
        == 1
    )
    assert got[("ha_agents_packets_forged_total", ())] == 2
    assert got[("ha_agents_packets_dropped_total", (("reason", "malformed"),))] == 1
    assert got[("ha_agents_heartbeat_interarrival_seconds_count", (("node", "node2"),))] == 3
    total = got[("ha_agents_heartbeat_interarrival_seconds_sum", (("node", "node2"),))]
    assert total == pytest.approx(0.6)
    assert got[("ha_agents_events_total", (("event", "node-dead"),))] == 1


@pytest.mark.parametrize(
    ("text", "want"),
    [("127.0.0.1:9694", ("127.0.0.1", 9694)), (":9694", ("0.0.0.0", 9694)),
     ("[::1]:9100", ("::1", 9100))],
)  # fmt: skip
def test_metrics_address_forms(text: str, want: tuple[str, int]) -> None:
    assert parse_address(text) == want


@pytest.mark.parametrize("text", ["9694", "localhost:9694", "127.0.0.1:0", "1.2.3.4:x"])
def test_bad_metrics_address_is_a_usage_error(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address(text)
    r = subprocess.run(
        [sys.executable, "-m", "ha_agents", "run", "--metrics-address", text],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert r.returncode == 2 and "metrics address" in r.stderr and "Traceback" not in r.stderr


def test_hook_files_follow_run_parts_names(tmp_path: Path) -> None:
    for name in ("10-a", "20_b", "x.dpkg-old", "y~", ".hidden", "noexec"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o644 if name == "noexec" else 0o755)
    assert [p.name for p in hook_files(tmp_path)] == ["10-a", "20_b"]
    assert hook_files(tmp_path / "missing") == []


def test_a_hanging_hook_is_killed_at_the_timeout_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "10-hang").write_text(f"#!/bin/sh\necho started\necho $$ > {tmp_path}/pid\nsleep 60\n")
    (hooks / "10-hang").chmod(0o755)
    log = HbLog("node1", str(tmp_path / "log"), stderr=False)

    async def scenario() -> float:
        runner = HookRunner(hooks, "node1", "/etc/ha.d", log, timeout_s=0.5)
        t0 = time.monotonic()
        runner.submit(OpsEvent("node-dead", "node2"))
        submitted = time.monotonic() - t0
        await asyncio.sleep(1.0)
        await runner.close()
        return submitted

    assert asyncio.run(scenario()) < 0.05
    log.close()
    text = (tmp_path / "log").read_text()
    assert "ERROR: hook 10-hang node-dead node2: timed out after 0.5s; killed" in text
    pid = int((tmp_path / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_engine_retime_takes_the_new_keepalive_from_the_next_status_on(tmp_path: Path) -> None:
    from ha_agents.membership.actions import Send
    from ha_agents.membership.engine import Engine
    from ha_agents.membership.events import Start, Tick

    engine = Engine(_config(tmp_path), 1, b"u" * 16)
    engine.handle(Start(0.0))
    assert engine.next_status_at == pytest.approx(0.2)
    slower = _config(tmp_path, HA_CF.replace("keepalive 200ms", "keepalive 400ms"))
    engine.retime(slower, 0.05)
    assert engine.keepalive_s == 0.4 and engine.config is slower
    sent = [a for a in engine.handle(Tick(0.2)) if isinstance(a, Send)]
    assert [a.msgtype for a in sent] == ["status"]
    assert engine.next_status_at == pytest.approx(0.6)
    faster = _config(tmp_path, HA_CF.replace("keepalive 200ms", "keepalive 100ms"))
    engine.retime(faster, 0.25)
    assert engine.next_status_at == pytest.approx(0.35)  # not 0.6: at most one new keepalive


def test_metrics_endpoint_answers_get_only_and_is_bounded() -> None:
    from ha_agents.daemon.metricsserver import serve_metrics

    async def ask(port: int, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return data

    async def scenario() -> list[bytes]:
        server = await serve_metrics("127.0.0.1", 0, lambda: b"ha_agents_up 1\n")
        port = server.sockets[0].getsockname()[1]
        try:
            return [
                await ask(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
                await ask(port, b"GET /nope HTTP/1.1\r\n\r\n"),
                await ask(port, b"POST /metrics HTTP/1.1\r\n\r\n"),
                await ask(port, b"x" * 9000),  # no end of headers within the limit
            ]
        finally:
            server.close()
            await server.wait_closed()

    ok, missing, post, huge = asyncio.run(scenario())
    assert ok.startswith(b"HTTP/1.0 200 OK\r\n") and ok.endswith(b"\r\n\r\nha_agents_up 1\n")
    assert b"Content-Type: text/plain; version=0.0.4" in ok
    assert missing.startswith(b"HTTP/1.0 404 ")
    assert post.startswith(b"HTTP/1.0 405 ")
    assert huge == b""
