"""Convention detection, argument/defaults parsing and parameter resolution (pure)."""

from __future__ import annotations

import pytest

from ha_agents.agent import Agent, Boolean, Integer, InvalidArgs, NotConfigured, String
from ha_agents.agent.conventions import (
    Convention,
    detect,
    heartbeat_status_text,
    parse_defaults_file,
    parse_positional,
)
from ha_agents.agent.params import resolve

HB_ENV = {"HA_RESOURCEDIR": "/etc/ha.d//resource.d", "OCF_ROOT": "/usr/lib/ocf"}


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["x", "a", "b", "start"], {}, Convention.HEARTBEAT),
        (["x", "a", "start"], {"OCF_RESKEY_a": "1"}, Convention.HEARTBEAT),
        (["x", "start"], {"OCF_RESKEY_port": "1"}, Convention.OCF),
        (["x", "stop"], {"OCF_RESOURCE_INSTANCE": "r1"}, Convention.OCF),
        (["x", "monitor"], {}, Convention.OCF),
        (["x", "meta-data"], {}, Convention.OCF),
        (["x", "validate-all"], {}, Convention.OCF),
        # Heartbeat's ResourceManager exports OCF_ROOT too: its HA_* wins.
        (["x", "status"], HB_ENV, Convention.HEARTBEAT),
        (["x", "start"], {"OCF_ROOT": "/usr/lib/ocf"}, Convention.OCF),
        (["/etc/init.d/x", "status"], {}, Convention.LSB),
        (["/etc/init.d/x", "status"], {"OCF_ROOT": "/usr/lib/ocf"}, Convention.LSB),
        (["/etc/rc2.d/S01x", "start"], HB_ENV, Convention.LSB),
        (["x", "force-reload"], {}, Convention.LSB),
        (["x", "start"], {"HA_AGENT_CONVENTION": "heartbeat"}, Convention.HEARTBEAT),
        (["x", "a", "start"], {"HA_AGENT_CONVENTION": "OCF"}, Convention.OCF),
    ],
)
def test_detect_convention(argv: list[str], env: dict[str, str], expected: Convention) -> None:
    inv = detect(argv, env)
    assert inv.convention is expected
    assert inv.action == argv[-1]
    assert inv.reason


def test_detect_splits_arguments_before_the_operation() -> None:
    inv = detect(["redis", "6380", "127.0.0.1", "start"], {})
    assert inv.args == ("6380", "127.0.0.1")
    assert inv.action == "start"


def test_detect_without_action_gives_empty_action() -> None:
    assert detect(["x"], {}).action == ""


def test_positional_maps_in_order_and_accepts_name_value() -> None:
    order = ("port", "bind", "datadir")
    assert parse_positional(["6380", "127.0.0.1"], order, order) == {
        "port": "6380",
        "bind": "127.0.0.1",
    }
    assert parse_positional(["datadir=/d", "6380"], order, order) == {
        "datadir": "/d",
        "port": "6380",
    }
    # A value with '=' whose prefix is not a parameter stays positional.
    assert parse_positional(["a=b"], order, order) == {"port": "a=b"}


def test_positional_rejects_too_many_and_duplicates() -> None:
    with pytest.raises(ValueError, match="too many arguments"):
        parse_positional(["1", "2"], ("port",), ("port",))
    with pytest.raises(ValueError, match="twice"):
        parse_positional(["port=1", "port=2"], ("port",), ("port",))


def test_defaults_file_is_case_insensitive_and_strips_quotes() -> None:
    text = '# comment\nPORT=6380\nexport Bind="0.0.0.0"\nOTHER=1\nnoequals\n'
    assert parse_defaults_file(text, ["port", "bind"]) == {"port": "6380", "bind": "0.0.0.0"}


def test_heartbeat_status_words_match_resourcemanager_grep() -> None:
    # ResourceManager: *[Nn][Oo][Tt]\ *[Rr]unning* -> stopped; *[Rr]unning*|*OK* -> running.
    assert heartbeat_status_text(True) == "running"
    for word in (heartbeat_status_text(False), heartbeat_status_text(None)):
        assert "unning" not in word and "OK" not in word


class _Sample(Agent):
    port = Integer(default=80, minimum=1, maximum=65535)
    host = String(required=True)
    debug = Boolean()
    label = String()


def test_resolve_fills_defaults_and_types() -> None:
    values = resolve(_Sample.parameters(), {"host": "h", "debug": "yes"})
    assert values == {"port": 80, "host": "h", "debug": True, "label": ""}


def test_resolve_missing_required_is_not_configured() -> None:
    with pytest.raises(NotConfigured, match="host"):
        resolve(_Sample.parameters(), {"port": "81"})


@pytest.mark.parametrize(
    ("supplied", "message"),
    [
        ({"host": "h", "port": "eighty"}, "not an integer"),
        ({"host": "h", "port": "0"}, "below 1"),
        ({"host": "h", "port": "70000"}, "above 65535"),
        ({"host": "h", "debug": "maybe"}, "not a boolean"),
    ],
)
def test_resolve_bad_values_are_invalid_args(supplied: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidArgs, match=message):
        resolve(_Sample.parameters(), supplied)


def test_parameters_keep_declaration_order_and_inherit() -> None:
    class Child(_Sample):
        extra = String(default="x")

    assert [p.name for p in Child.parameters()] == ["port", "host", "debug", "label", "extra"]
    assert Child.positional_order() == ("port", "host", "debug", "label", "extra")
