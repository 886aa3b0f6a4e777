"""Session fixtures of the packaging tests: the artifacts are built once per session.

Everything here tests what a user installs: the wheel in a fresh venv outside the
checkout, the .deb installed with apt into a throwaway root (tests/packaging/overlayroot.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging import artifacts
from tests.packaging.overlayroot import OverlayRoot

DEB_TOOLS = ("dpkg-buildpackage", "dh", "lintian", "apt-get", "unshare", "nsenter")


def need(*tools: str) -> None:
    """Skip without these programs; under CI (CI=true) that is a failure instead."""
    missing = [t for t in tools if shutil.which(t, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]
    if not missing:
        return
    why = f"needs {', '.join(missing)} (make deps installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIST of ``make wheel``: the wheel and the sdist."""
    return artifacts.make("wheel", tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def wheel(built: Path) -> Path:
    return artifacts.wheel_path(built)


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the built wheel installed."""
    return artifacts.fresh_venv(tmp_path_factory.mktemp("venv") / "v", wheel)


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make deb`` (lintian included): dist/ha-agents_<version>_all.deb."""
    need(*DEB_TOOLS)
    dist = artifacts.make("deb", tmp_path_factory.mktemp("deb"))
    return dist / f"ha-agents_{artifacts.version()}_all.deb"


@pytest.fixture(scope="module")
def deb_root(deb: Path) -> Iterator[OverlayRoot]:
    """A throwaway root (this machine's / through an overlay) with the .deb apt-installed;
    its /etc/ha.d is the heartbeat package's, as on a Heartbeat node."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mount namespaces)")
    with OverlayRoot() as root:
        root.put(deb, f"/tmp/{deb.name}")
        root.sh("find /etc/ha.d | sort > /tmp/etc-ha.d.before")
        got = root.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}"],
            env={"DEBIAN_FRONTEND": "noninteractive"},
            timeout=600,
        )
        assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
        yield root
