"""docs/agents.md works as written: its ``sh`` blocks run in order in an empty directory.

Blocks preceded by ``<!-- file: NAME -->`` are written to NAME first.  The shell sees a
system-wide install of ha_agents: ``ha-agents`` and ``python3`` are the system Python
with ha_agents (and this venv's packages) on PYTHONPATH, so the agents' first line is
``/usr/bin/python3``, which user nobody (ocf-tester) can run.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "agents.md"
BLOCK = re.compile(
    r"(?:<!-- file: (?P<file>[\w.-]+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S
)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="ocf-tester in the docs needs root"),
    pytest.mark.skipif(
        not all(os.path.exists(p) for p in ("/usr/sbin/ocf-tester", "/usr/bin/python3")),
        reason="needs resource-agents and a system python3",
    ),
    pytest.mark.skipif(not shutil.which("xmllint"), reason="needs xmllint"),
]


def blocks() -> list[tuple[str, str, str | None]]:
    return [(m["lang"], m["body"], m["file"]) for m in BLOCK.finditer(DOC.read_text())]


def test_docs_have_runnable_blocks_and_a_short_example() -> None:
    found = blocks()
    assert sum(lang == "sh" for lang, _, _ in found) >= 6
    example = [body for _, body, name in found if name == "webserve"]
    assert len(example) == 1 and len(example[0].splitlines()) <= 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_docs_commands_run(agent_dir: Path) -> None:
    bindir = agent_dir / "bin"
    bindir.mkdir()
    for name, command in (("ha-agents", "-m ha_agents"), ("python3", "")):
        shim = bindir / name
        shim.write_text(f'#!/bin/sh\nexec /usr/bin/python3 {command} "$@"\n')
        shim.chmod(0o755)
    work = agent_dir / "work"
    work.mkdir(mode=0o755)
    site = sysconfig.get_paths()["purelib"]
    env = {
        "PATH": f"{bindir}:/usr/sbin:/usr/bin:/sbin:/bin",
        "PYTHONPATH": f"{REPO}:{site}",
        "PORT": str(_free_port()),
        "HOME": str(agent_dir),
        "LC_ALL": "C",
    }
    transcript: list[str] = []
    try:
        for lang, body, name in blocks():
            if name is not None:
                (work / name).write_text(body)
                continue
            if lang != "sh":
                continue
            res = subprocess.run(
                ["/bin/bash", "-e", "-c", body],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            transcript.append(f"$ {body}{res.stdout}{res.stderr}")
            assert res.returncode == 0, "\n".join(transcript)
        out = "\n".join(transcript)
        print(out)  # the ocf-tester runs of the walkthrough, kept in the test log
        assert out.count("passed all tests") == 2, out
        assert "1 failed" not in out and " passed" in out
        assert "hello" in out
        assert (work / "myapp").read_text().startswith("#!/usr/bin/python3\n")
    finally:
        pid = (work / "web.pid").read_text().strip() if (work / "web.pid").exists() else ""
        if pid.isdigit():
            subprocess.run(["kill", pid], check=False)
    assert sys.executable  # the venv interpreter ran this test, not the docs
