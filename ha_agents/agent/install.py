"""Install an agent file with its shebang pointing at an interpreter that has ha_agents.

Heartbeat runs resource.d scripts with its own PATH and ocf-tester runs them as user
``nobody``, so ``#!/usr/bin/env python3`` may find a Python without ha_agents: the
installed copy names the interpreter explicitly (default: the running one).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def with_shebang(source: str, python: str) -> str:
    """``source`` with its first line replaced (or preceded) by ``#!python``."""
    if source.startswith("#!"):
        source = source.split("\n", 1)[1] if "\n" in source else ""
    return f"#!{python}\n{source}"


def install_agent(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], python: str = ""
) -> Path:
    """Copy ``src`` to ``dest`` (a file path, or a directory to put it in), mode 0755.

    Written atomically (temp file + rename), so a running cluster never executes a
    half-written agent.
    """
    source = Path(src)
    target = Path(dest)
    if target.is_dir():
        target = target / source.name
    text = with_shebang(source.read_text(encoding="utf-8"), python or sys.executable)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, target)
    return target


def closed_dirs(program: str) -> list[Path]:
    """Directories on the way to ``program`` (and to what its symlinks point at) that other
    users cannot enter, outermost first: an agent whose interpreter lies behind one cannot
    be run by ``hacluster`` (Pacemaker reads meta-data as that user) or ``nobody``."""
    closed: list[Path] = []
    for path in (Path(program).absolute(), Path(program).resolve()):
        for d in reversed(path.parents):
            try:
                mode = d.stat().st_mode
            except OSError:
                break
            if not mode & stat.S_IXOTH and d not in closed:
                closed.append(d)
    return closed
