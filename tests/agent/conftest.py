"""Fixtures for agent tests: world-readable install dirs, free ports, generated agents."""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ha_agents.agent.install import install_agent
from ha_agents.agent.scaffold import agent_source
from ha_agents.config.search import package_agents_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(package_agents_dir())


@pytest.fixture
def agent_dir() -> Iterator[Path]:
    """A 0755 temp dir (pytest's tmp_path is 0700: Heartbeat/ocf-tester users need access)."""
    path = Path(tempfile.mkdtemp(prefix="ha-agent-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_agent(agent_dir: Path) -> Path:
    """resource.d/redis installed with its shebang naming this interpreter."""
    return install_agent(AGENTS_DIR / "redis", agent_dir / "redis", sys.executable)


@pytest.fixture
def example_agent(agent_dir: Path) -> Path:
    """The agent `ha-agents new-agent example` writes."""
    path = agent_dir / "example"
    path.write_text(agent_source("example", sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path
