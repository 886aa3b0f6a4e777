"""`check` and `run` look for a resource's script in the same places, in the same order.

check's HR203 (no script) comes from ha_agents.config, run's resolution from
ha_agents.resources; both take their candidates from ha_agents.config.search, and these
tests hold them to it: on the same machine, HR203 is reported exactly for the resources
that run cannot resolve, and check's HR290 note names the file run executes.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.config.crosscheck import check_groups
from ha_agents.config.hacf import parse_hacf
from ha_agents.config.haresources import parse_haresources
from ha_agents.config.host import StaticHost
from ha_agents.config.model import ResourceSpec
from ha_agents.config.search import package_agents_dir
from ha_agents.resources.agents import Agent, SearchPaths, resolve, spec_from_text
from ha_agents.resources.resolution import resolution_notes
from tests.resources.test_classes import FakeFS

PLACES = ("/srv/ha/resource.d", "/etc/init.d", "/pkg/resource.d", "/etc/ha.d/resource.d")
NAMES = ("alpha", "beta", "gamma")
LAYOUTS = list(itertools.product(range(1 << len(PLACES)), repeat=len(NAMES)))[::61]


def _spec(text: str) -> ResourceSpec:
    s = spec_from_text(text)
    assert isinstance(s, ResourceSpec)
    return s


@pytest.mark.parametrize("layout", LAYOUTS)
def test_check_warns_exactly_for_what_run_cannot_resolve(layout: tuple[int, ...]) -> None:
    files = [
        f"{place}/{name}"
        for name, mask in zip(NAMES, layout, strict=True)
        for bit, place in enumerate(PLACES)
        if mask & (1 << bit)
    ]
    hacf, _ = parse_hacf("node node1\nnode node2\n", "/srv/ha/ha.cf")
    text = "node1 " + " ".join(f"{n}::x" for n in NAMES) + "\n"
    groups, _ = parse_haresources(text, "/srv/ha/haresources")
    host = StaticHost(executables=frozenset(files))
    diags = check_groups(groups, hacf, host, "/srv/ha", ("/pkg/resource.d",))
    warned = {d.message.split("'")[1] for d in diags if d.code == "HR203"}

    paths = SearchPaths("/srv/ha", ("/pkg/resource.d",))
    fs = FakeFS(dict.fromkeys(files))
    resolved = {n: resolve(_spec(f"{n}::x"), paths, fs) for n in NAMES}
    assert warned == {f"{n}::x" for n, a in resolved.items() if not isinstance(a, Agent)}
    notes = resolution_notes(groups, paths, fs)
    for note, (name, agent) in zip(notes, resolved.items(), strict=True):
        assert note.code == "HR290" and note.severity.value == "note"
        if isinstance(agent, Agent):
            assert f"runs {agent.script} (" in note.message, (name, note.message)
            assert "/etc/ha.d/" not in agent.script  # another --config-dir: never /etc/ha.d
        else:
            assert "does not resolve here" in note.message


def test_check_cli_names_each_resources_file_and_warns_for_etc_ha_d_only_scripts(
    tmp_path: Path,
) -> None:
    """`Delay::1::1` exists only in /etc/ha.d/resource.d (the heartbeat package): under
    another --config-dir check warns, as run would fail at takeover; IPaddr is ours."""
    d = tmp_path / "ha"
    d.mkdir()
    (d / "ha.cf").write_text("node node1\nnode node2\nbcast lo\n")
    (d / "authkeys").write_text("auth 1\n1 sha1 0123456789abcdef0123\n")
    (d / "authkeys").chmod(0o600)
    (d / "haresources").write_text("node1 IPaddr::192.0.2.50/24 Delay::1::1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "ha_agents", "check", "--config-dir", str(d), "--node", "node1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    ours = f"{package_agents_dir()}/IPaddr"
    assert (
        f"{d}/haresources:1: note: HR290 'IPaddr::192.0.2.50/24' runs {ours} "
        "(heartbeat class, an agent of ha_agents)" in lines
    ), proc.stdout
    assert any("warning: HR203 no script for resource 'Delay::1::1'" in x for x in lines)
    assert any("HR290 'Delay::1::1' does not resolve here" in x for x in lines)
    assert not any("/etc/ha.d/resource.d/Delay" in x for x in lines)
