"""The SDK's action table: exit codes and output per convention (in-process agents)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import ClassVar

import pytest

from ha_agents.agent import (
    Agent,
    GenericError,
    Integer,
    NotInstalled,
    Running,
    Status,
    Stopped,
    String,
    meta_data,
)
from ha_agents.agent.conventions import Convention, Invocation
from ha_agents.agent.dispatch import Outcome, execute

LOG = logging.getLogger("test.agent.dispatch")


class Mem(Agent):
    """An agent whose resource is a flag in memory; records the calls it gets."""

    name = "mem"
    state: ClassVar[dict[str, object]] = {}
    calls: ClassVar[list[str]] = []
    size = Integer(default=1, description="A number.")
    label = String(default="x", description="A label.")

    def start(self) -> None:
        self.calls.append("start")
        if not self.state.get("start_breaks"):
            self.state["running"] = True

    def stop(self) -> None:
        self.calls.append("stop")
        if not self.state.get("stop_breaks"):
            self.state["running"] = False
            self.state["dead"] = False

    def monitor(self, depth: int) -> Status:
        self.calls.append(f"monitor:{depth}")
        if self.state.get("monitor_error"):
            raise GenericError("wedged")
        if self.state.get("running"):
            return Running(f"size {self.size}")
        return Stopped(dead=bool(self.state.get("dead")))


@pytest.fixture(autouse=True)
def _reset() -> None:
    Mem.state.clear()
    Mem.calls.clear()


def run(conv: Convention, action: str, *args: str, **env: str) -> Outcome:
    return execute(Mem, Invocation(conv, action, tuple(args)), env, LOG)


OCF, LSB, HB = Convention.OCF, Convention.LSB, Convention.HEARTBEAT


def test_ocf_monitor_is_7_when_stopped_and_0_when_running() -> None:
    assert run(OCF, "monitor").rc == 7
    assert run(OCF, "start").rc == 0
    assert run(OCF, "monitor").rc == 0


def test_start_skips_agent_start_when_already_running() -> None:
    Mem.state["running"] = True
    assert run(OCF, "start").rc == 0
    assert "start" not in Mem.calls


def test_start_fails_when_monitor_disagrees_afterwards() -> None:
    Mem.state["start_breaks"] = True
    assert run(OCF, "start").rc == 1
    assert run(LSB, "start").rc == 1


def test_stop_on_stopped_succeeds_without_calling_stop() -> None:
    assert run(OCF, "stop").rc == 0
    assert "stop" not in Mem.calls


def test_stop_cleans_up_a_dead_resource() -> None:
    Mem.state["dead"] = True
    assert run(LSB, "stop").rc == 0
    assert "stop" in Mem.calls


def test_stop_that_leaves_it_running_fails() -> None:
    Mem.state.update(running=True, stop_breaks=True)
    assert run(OCF, "stop").rc == 1


def test_stop_proceeds_when_monitor_fails() -> None:
    Mem.state.update(running=True, monitor_error=True)
    assert run(OCF, "stop").rc == 0
    assert "stop" in Mem.calls


def test_lsb_status_codes() -> None:
    assert run(LSB, "status") == Outcome(3, "mem is stopped\n")
    Mem.state["dead"] = True
    assert run(LSB, "status").rc == 1
    Mem.state.update(dead=False, running=True)
    assert run(LSB, "status") == Outcome(0, "mem is running (size 1)\n")
    Mem.state["monitor_error"] = True
    assert run(LSB, "status").rc == 4


def test_heartbeat_status_prints_words() -> None:
    assert run(HB, "status", "5") == Outcome(3, "stopped\n")
    Mem.state["running"] = True
    assert run(HB, "status", "5") == Outcome(0, "running\n")
    Mem.state["monitor_error"] = True
    assert run(HB, "status", "5") == Outcome(1, "failed\n")


def test_heartbeat_arguments_become_parameters() -> None:
    Mem.state["running"] = True
    assert run(LSB, "status").stdout == "mem is running (size 1)\n"
    out = execute(Mem, Invocation(LSB, "status"), {}, LOG, defaults_text="SIZE=7\n")
    assert out.stdout == "mem is running (size 7)\n"
    assert run(HB, "status", "9", "lbl").rc == 0
    assert run(HB, "start", "1", "2", "3").rc == 2  # too many arguments


def test_ocf_parameters_and_check_level_reach_monitor() -> None:
    Mem.state["running"] = True
    assert run(OCF, "monitor", OCF_RESKEY_size="4", OCF_CHECK_LEVEL="10").rc == 0
    assert Mem.calls[-1] == "monitor:10"
    assert run(OCF, "monitor", OCF_RESKEY_size="four").rc == 2
    assert run(OCF, "monitor", OCF_CHECK_LEVEL="deep").rc == 2


def test_lsb_restart_and_try_restart() -> None:
    assert run(LSB, "try-restart").rc == 0
    assert "start" not in Mem.calls
    Mem.state["running"] = True
    assert run(LSB, "restart").rc == 0
    assert Mem.calls.count("stop") == 1 and Mem.calls.count("start") == 1


def test_reload_unimplemented_is_3() -> None:
    assert run(OCF, "reload").rc == 3
    assert run(LSB, "force-reload").rc == 0  # falls back to try-restart


def test_unknown_and_missing_action() -> None:
    assert run(OCF, "promote").rc == 3
    assert run(OCF, "notify").rc == 3
    assert run(OCF, "").rc == 2


def test_typed_errors_map_to_their_codes() -> None:
    class Missing(Mem):
        def validate(self) -> None:
            raise NotInstalled("no binary")

    out = execute(Missing, Invocation(OCF, "validate-all"), {}, LOG)
    assert out.rc == 5
    assert execute(Missing, Invocation(OCF, "start"), {}, LOG).rc == 5


def test_agent_bug_is_generic_error_not_traceback() -> None:
    class Buggy(Mem):
        def monitor(self, depth: int) -> Status:
            raise KeyError("oops")

    assert execute(Buggy, Invocation(OCF, "monitor"), {}, LOG).rc == 1
    assert execute(Buggy, Invocation(HB, "status", ("1",)), {}, LOG) == Outcome(1, "failed\n")


def test_meta_data_lists_parameters_and_actions() -> None:
    out = run(OCF, "meta-data")
    assert out.rc == 0
    root = ET.fromstring(out.stdout.split("\n", 2)[2])
    assert root.get("name") == "mem"
    params = {p.get("name"): p for p in root.iter("parameter")}
    assert set(params) == {"size", "label"}
    content = params["size"].find("content")
    assert content is not None and content.attrib == {"type": "integer", "default": "1"}
    actions = [a.get("name") for a in root.iter("action")]
    assert actions == ["start", "stop", "monitor", "meta-data", "validate-all"]
    assert meta_data(Mem) == out.stdout
