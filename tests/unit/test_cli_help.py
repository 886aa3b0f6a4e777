"""The CLI's help is laid out as argparse lays it out, to the same width, without the
shutil import argparse would make for it (tests/unit/test_daemon_imports.py)."""

from __future__ import annotations

import argparse
import os

import pytest

from ha_agents import cli


def _plain_help(command: str) -> str:
    """The help of ``command`` from argparse's own formatter (shutil's terminal width)."""

    class Plain(cli._Parser):
        def _get_formatter(self) -> argparse.HelpFormatter:
            return argparse.ArgumentParser._get_formatter(self)

    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    ours = sub.choices[command]
    plain = Plain(prog=ours.prog, description=ours.description,
                  formatter_class=ours.formatter_class)  # fmt: skip
    for action in ours._actions[1:]:  # all but -h, which Plain adds itself
        plain._add_action(action)
    return plain.format_help()


@pytest.mark.parametrize("columns", ["40", "72", "120", "junk"])
@pytest.mark.parametrize("command", ["run", "simulate", "export"])
def test_help_matches_argparse_at_every_width(
    monkeypatch: pytest.MonkeyPatch, command: str, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices[command].format_help() == _plain_help(command)


def test_help_width_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "57")
    assert cli.help_width() == 55
    monkeypatch.setenv("COLUMNS", "0")
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: (_ for _ in ()).throw(OSError))
    assert cli.help_width() == 78
