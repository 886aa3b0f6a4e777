"""Shared pytest fixtures and the rules for tests that need root or Debian packages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _is_root() -> bool:
    return os.geteuid() == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Integration tests need root (network namespaces); say so instead of failing.

    CI runs as root with the Debian packages installed (make deps), so they run there.
    """
    root_skip = pytest.mark.skip(reason="needs root to create network namespaces (CI is root)")
    hb_skip = pytest.mark.skip(
        reason="needs the Debian 'heartbeat' package (make deps installs it; CI has it)"
    )
    have_hb = Path("/usr/libexec/heartbeat/heartbeat").exists()
    for item in items:
        if "netns" in item.keywords and not (_is_root() and shutil.which("ip")):
            item.add_marker(root_skip)
        if "heartbeat" in item.keywords and not have_hb:
            item.add_marker(hb_skip)


@pytest.fixture
def repo() -> Path:
    return REPO
