"""``ha-agents run`` keeps out of its memory what its configuration does not use: no
pyparsing (the files are parsed in a child process), prometheus-client (only with
--metrics-address), pyroute2 and the agent SDK (the stock IPaddr runs on the stdlib
netlink port), psutil (only to kill a script tree), TLS and OpenSSL hashes, and shutil
with the compressors it brings (argparse would import it for the terminal width)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.lab.agentnode import REPO

START_PATH = """
import json, sys
from ha_agents import cli
cli.build_parser("run").parse_args(["run", "--node", "node1"])
from ha_agents.commands import run
run._keep_out()
import asyncio
from ha_agents.daemon.configproc import load
from ha_agents.daemon.loop import Daemon
from ha_agents.daemon.runners import build_runner
import ha_agents.agents.ipaddr.stock
print(json.dumps(sorted(m for m in sys.modules if sys.modules[m] is not None)))
"""
NEVER = ("pyparsing", "prometheus_client", "pyroute2", "psutil", "ssl", "_ssl", "_hashlib")
NEVER += ("shutil", "zlib", "bz2", "lzma")


def test_the_daemon_start_path_imports_nothing_it_does_not_use() -> None:
    r = subprocess.run(
        [sys.executable, "-c", START_PATH], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded = set(json.loads(r.stdout))
    assert not {m for m in loaded if m.split(".")[0] in NEVER}
    assert "ha_agents.config.load" not in loaded and "ha_agents.agent" not in loaded
    assert "hashlib" in loaded  # the digests still work, on Python's own md5/sha1/sha256
