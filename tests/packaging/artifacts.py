"""Build the artifacts users install (``make wheel``, ``make deb``) into a temp dir, and a
fresh venv outside the checkout with the wheel installed.  Used by the session fixtures
of tests/packaging/conftest.py: each artifact is built once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def version() -> str:
    text = (REPO / "ha_agents" / "__init__.py").read_text()
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


def make(target: str, out: Path, timeout: float = 600) -> Path:
    """``make TARGET`` of the checkout with BUILD and DIST in ``out``; returns DIST."""
    dist, build = out / "dist", out / "build"
    proc = subprocess.run(
        ["make", "-s", "-C", str(REPO), target, f"DIST={dist}", f"BUILD={build}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"make {target} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return dist


def wheel_path(dist: Path) -> Path:
    return dist / f"ha_agents-{version()}-py3-none-any.whl"


def wheel_modules(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return {n for n in z.namelist() if n.startswith("ha_agents/") and n.endswith(".py")}


def source_modules() -> set[str]:
    """Every tracked ha_agents/**.py of the checkout (what the product is made of)."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "ha_agents"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return {line for line in out.splitlines() if line.endswith(".py")}


def fresh_venv(where: Path, wheel: Path) -> Path:
    """A new venv at ``where`` with only ``wheel`` (and its dependencies) installed."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", str(where)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [str(where / "bin" / "pip"), "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd="/",
        env=env,
    )
    if proc.returncode != 0:
        raise AssertionError(f"pip install {wheel.name} failed:\n{proc.stdout}\n{proc.stderr}")
    return where


def clean_env(**extra: str) -> dict[str, str]:
    """An environment that cannot reach the checkout: no PYTHONPATH, system PATH."""
    return {"PATH": SYSTEM_PATH, "LC_ALL": "C.UTF-8", **extra}
