"""The resource manager's phase table (failover/phases.py) and its event dispatch: a step
the table does not list raises and changes nothing; an event of an unknown kind raises."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ha_agents.failover import events as ev
from ha_agents.failover.manager import ResourceManager
from ha_agents.failover.phases import TRANSITIONS, IllegalTransition, Phase, Step, advance
from tests.failover.builders import make_config


def test_every_phase_but_stopped_can_shut_down_and_shutdown_ends_stopped() -> None:
    for phase in (Phase.INIT, Phase.STARTING, Phase.STABLE):
        assert advance(phase, Step.SHUTDOWN) is Phase.SHUTDOWN
    assert advance(Phase.SHUTDOWN, Step.RELEASED) is Phase.STOPPED


def test_nothing_leaves_stopped_and_a_shutting_down_node_does_not_join() -> None:
    for step in Step:
        with pytest.raises(IllegalTransition):
            advance(Phase.STOPPED, step)
    with pytest.raises(IllegalTransition) as info:
        advance(Phase.SHUTDOWN, Step.JOIN)
    assert (info.value.phase, info.value.step) == (Phase.SHUTDOWN, Step.JOIN)


def test_the_table_only_names_known_phases_and_reaches_every_phase() -> None:
    reached = {Phase.INIT} | set(TRANSITIONS.values())
    assert reached == set(Phase)


def test_an_illegal_step_leaves_the_manager_phase_unchanged() -> None:
    m = ResourceManager(make_config("node1"))
    with pytest.raises(IllegalTransition):
        m.s.enter(Step.RELEASED)
    assert m.s.phase is Phase.INIT


@dataclass(frozen=True)
class Bogus:
    now: float


def test_an_event_of_an_unknown_kind_raises() -> None:
    m = ResourceManager(make_config("node1"))
    with pytest.raises(TypeError, match="no handler"):
        m.handle(Bogus(0.0))  # type: ignore[arg-type]
    assert m.handle(ev.Tick(0.1)) == []
