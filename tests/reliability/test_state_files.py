"""State files survive power loss at any moment: ``ha-agents run`` is SIGKILLed at random
points of its start-up, again and again.  hb_generation is always whole (16 bytes, Heartbeat's
format) or absent, hb_uuid is 16 bytes once written and never changes, and a start that got
as far as answering on its control socket always ran with a generation above every earlier
one (never reused)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from ha_agents.membership.generation import parse_generation
from tests.lab.waiting import wait_until

from .localdaemon import LocalDaemon

pytestmark = pytest.mark.netns  # root: the daemon binds to a device


def test_sigkill_during_start_never_leaves_half_written_state(tmp_path: Path) -> None:
    d = LocalDaemon(tmp_path)
    rnd = random.Random(7)
    gen_file, uuid_file = d.state_dir / "hb_generation", d.state_dir / "hb_uuid"
    uuid: bytes | None = None
    highest_running = 0
    for _ in range(12):
        d.start_nowait()
        time.sleep(rnd.uniform(0.0, 0.8))
        came_up = d.socket.exists() and d.status() is not None
        doc = d.status() if came_up else None
        d.kill()
        if gen_file.exists():
            data = gen_file.read_bytes()
            assert len(data) == 16, data
            gen = parse_generation(data)
            if doc is not None:
                running = int(doc["status"]["generation"])  # type: ignore[index]
                assert running == gen and running > highest_running, (running, highest_running)
                highest_running = running
        if uuid_file.exists():
            u = uuid_file.read_bytes()
            assert len(u) == 16
            assert uuid is None or u == uuid, "hb_uuid changed"
            uuid = u
    # and a normal start afterwards works and goes on counting
    d.start()
    doc = d.status()
    assert doc is not None and int(doc["status"]["generation"]) > highest_running  # type: ignore[index]
    d.stop()
    assert wait_until(lambda: d.proc is None, 1)
