"""Every command block of README.md and docs/*.md runs as written (docs/lab.md, "The
docs run as tests"): ``host`` blocks in a scratch directory with this checkout's
``ha-agents``, ``machine`` blocks on a throwaway node1 of conf/, ``cluster`` blocks on
node1 of a running conf/ cluster (node2 beside it).  Options of the annotation:

* ``setup="..."``: commands run first (not shown to the reader);
* ``start=node2`` (cluster): only these nodes' daemons are started before the block (the
  block starts the others with its own ``ha-agents run`` line); ``on=node2``: run there;
* ``foreground=yes``: an ``ha-agents run`` line runs in the foreground (it must end);
* ``rc=N``: the exit status the block ends with (default 0); ``cwd=repo`` (host only);
* ``expect=REGEX``: the output (stdout + stderr) must match;
* ``output=next``: the ```text block after it is the documented output, checked for its
  shape (tests/docs/mdblocks.py: numbers are wildcards, lines in order).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.mdblocks import REPO, Block, command_blocks, following_output, matches_shape

pytestmark = pytest.mark.netns

RUN = [b for b in command_blocks() if b.mode in ("host", "machine", "cluster")]


def _host(block: Block, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "ha-agents").symlink_to(Path(sys.executable).with_name("ha-agents"))
    cwd = REPO if block.options.get("cwd") == "repo" else tmp_path
    env = {**os.environ, "PATH": f"{bindir}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _lab(block: Block, script: str) -> subprocess.CompletedProcess[str]:
    from tests.docs.machine import DocMachine, cluster
    from tests.lab import Lab

    with Lab("doc") as lab:
        if block.mode == "cluster":
            start = tuple(n for n in block.options.get("start", "node1,node2").split(",") if n)
            machine = cluster(lab, start)[block.options.get("on", "node1")]
        else:
            machine = DocMachine(lab, block.options.get("on", "node1"))
        return machine.sh(script, timeout=300)


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_doc_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    from tests.docs.machine import background_daemon_lines

    foreground = block.options.get("foreground") == "yes"
    body = block.body if foreground else background_daemon_lines(block.body)
    setup = block.options.get("setup", "")
    script = f"exec 2>&1\n{setup}\nset -e\n{body}"  # stderr in order with stdout
    result = _host(block, script, tmp_path) if block.mode == "host" else _lab(block, script)
    out = result.stdout + result.stderr
    transcript = f"{block.id} ({block.mode})\n$ {block.body}{out}"
    assert "Traceback" not in out, transcript
    assert result.returncode == int(block.options.get("rc", "0")), transcript
    if "expect" in block.options:
        assert re.search(block.options["expect"], out, re.M), transcript
    if block.options.get("output") == "next":
        documented = following_output(block)
        assert documented is not None
        assert matches_shape(documented.body, out) is None, (
            f"documented line not in the output: {matches_shape(documented.body, out)}\n"
            + transcript
        )
