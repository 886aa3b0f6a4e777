"""hb_generation / hb_uuid: Heartbeat's on-disk format, bumped on every start, atomic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ha_agents.daemon.statefiles import StateError, bump_generation, load_uuid
from ha_agents.membership.generation import format_generation, parse_generation

# written by the real Heartbeat 3.0.6 (Debian) on its second start
REAL_FILE = b"     1795601489\n"


def test_format_matches_the_file_real_heartbeat_writes() -> None:
    assert format_generation(1795601489) == REAL_FILE
    assert parse_generation(REAL_FILE) == 1795601489


def test_first_start_uses_wall_clock_then_every_start_adds_one(tmp_path: Path) -> None:
    first = bump_generation(tmp_path, 1795600000)
    assert (first.generation, first.first) == (1795600000, True)
    assert first.notices == (
        ("WARN", "No Previous generation - starting at 1795600000"),
        ("info", "Heartbeat generation: 1795600000"),
    )
    second = bump_generation(tmp_path, 1)  # clock going backwards does not matter
    assert (second.generation, second.first) == (1795600001, False)
    assert (tmp_path / "hb_generation").read_bytes() == b"     1795600001\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hb_generation"]  # no temp left


def test_continues_a_generation_left_by_heartbeat(tmp_path: Path) -> None:
    (tmp_path / "hb_generation").write_bytes(REAL_FILE)
    assert bump_generation(tmp_path, 0).generation == 1795601490


def test_unwritable_state_dir_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "hb_generation").write_bytes(REAL_FILE)
    os.chmod(tmp_path, 0o500)
    try:
        if os.geteuid() == 0:  # root ignores modes: make the target a directory instead
            os.chmod(tmp_path, 0o700)
            (tmp_path / "hb_generation").unlink()
            (tmp_path / "hb_generation").mkdir()
        with pytest.raises(StateError):
            bump_generation(tmp_path, 5)
    finally:
        os.chmod(tmp_path, 0o700)


def test_corrupt_generation_file_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "hb_generation").write_bytes(b"garbage\n")
    with pytest.raises(StateError, match="not a generation number"):
        bump_generation(tmp_path, 5)


def test_uuid_is_created_once_and_stable(tmp_path: Path) -> None:
    uuid, created = load_uuid(tmp_path)
    assert created and len(uuid) == 16
    assert load_uuid(tmp_path) == (uuid, False)
    (tmp_path / "hb_uuid").write_bytes(b"short")
    with pytest.raises(StateError):
        load_uuid(tmp_path)
