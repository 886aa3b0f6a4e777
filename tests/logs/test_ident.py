"""What a drop-in node logs as: the unit (the .deb's and install-system's, both made from
ha_agents/data/ha-agents.service) runs ``--log-ident heartbeat`` and tags the journal
``heartbeat``; /etc/default/ha-agents can switch it back."""

from __future__ import annotations

import shlex

from ha_agents.cli import build_parser
from tests.logs.ctsrun import UNIT, unit_ident


def exec_start() -> list[str]:
    line = next(x for x in UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_the_unit_logs_as_heartbeat() -> None:
    assert unit_ident() == "heartbeat"
    assert "SyslogIdentifier=heartbeat" in UNIT.read_text().splitlines()


def test_the_units_options_come_after_the_ident_so_they_can_change_it() -> None:
    argv = exec_start()
    assert argv.index("$HA_AGENTS_OPTS") == argv.index("--log-ident") + 2
    run = ["run", "--config-dir", "/etc/ha.d"]
    parse = build_parser().parse_args
    assert parse([*run, "--log-ident", "heartbeat"]).log_ident == "heartbeat"
    override = [*run, "--log-ident", "heartbeat", "--log-ident", "ha_agents"]
    assert parse(override).log_ident == "ha_agents"
    assert parse(run).log_ident == "ha_agents"  # by hand, without the unit
