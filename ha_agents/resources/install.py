"""Install our agents (resource.d/IPaddr, resource.d/httpd) for real Heartbeat/Pacemaker.

Heartbeat runs resource.d scripts with its own PATH, where ``python3`` may lack ha_agents
and pyroute2; the installed copies therefore name the interpreter in their first line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ha_agents.resources.agents import OUR_AGENTS_DIR

AGENTS = ("IPaddr", "httpd")


def install_agents(
    dest_dir: str | os.PathLike[str],
    python: str = sys.executable,
    names: tuple[str, ...] = AGENTS,
    source_dir: str | os.PathLike[str] = OUR_AGENTS_DIR,
) -> list[Path]:
    """Copy our agents into ``dest_dir`` with ``#!PYTHON`` as the first line (mode 0755).

    Returns the written paths.  Raises OSError if a source is missing or unwritable.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in names:
        text = (Path(source_dir) / name).read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        if not first.startswith("#!"):
            rest = text
        target = dest / name
        tmp = dest / f".{name}.tmp"
        tmp.write_text(f"#!{python}\n{rest}", encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, target)
        written.append(target)
    return written
