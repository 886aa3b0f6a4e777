"""Lay ha_agents out on a system: compat commands, /etc/ha.d examples, agents, unit file.

Rules a sysadmin relies on: an existing file of the user's is never overwritten (it is
reported as kept); authkeys is written 0600 and never with the example's published key
(a new random key, and the step says to copy the file to every node); everything can be
laid under a staging root (``--root``, like DESTDIR) so packagers and tests see exactly
what would change.  The examples and agents come from the installed package
(``importlib.resources``), never from a source tree.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import sys
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from ha_agents.agent.install import closed_dirs, install_agent
from ha_agents.config import search

MARKER = "# installed by ha-agents install-compat"


UNIT_DOC = "/usr/share/doc/ha-agents/README.md"  # the unit's Documentation=
KEY_LINE = re.compile(r"^(\s*\d+\s+(?:sha1|md5)\s+)\S+", re.M)


#: Heartbeat's command names that install-compat puts under a prefix (ha_agents/compat.py).
COMMANDS = ("cl_status", "hb_standby", "hb_takeover")


@dataclass(frozen=True, slots=True)
class Step:
    path: str
    action: str  # "wrote", "kept", "created"
    note: str = ""

    def render(self) -> str:
        return f"{self.action}: {self.path}" + (f" ({self.note})" if self.note else "")


def examples_dir() -> Path:
    """The example configuration shipped in the package (conf/ of the source tree)."""
    return Path(str(resources.files("ha_agents").joinpath("examples")))


def _under(root: Path, absolute: str) -> Path:
    return root / absolute.lstrip("/")


def compat_script(name: str, python: str) -> str:
    return f'#!/bin/sh\n{MARKER}\nexec "{python}" -m ha_agents.compat {name} "$@"\n'


def install_compat(prefix: Path, python: str | None = None, force: bool = False) -> list[Step]:
    """Write PREFIX/bin/{cl_status,hb_standby,hb_takeover}.

    A file that is not one of ours (no marker line: e.g. a real Heartbeat's cl_status)
    is kept unless ``force``.
    """
    py = python or sys.executable
    bindir = prefix / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    steps: list[Step] = []
    for name in COMMANDS:
        dest = bindir / name
        if dest.exists() and not force:
            try:
                ours = MARKER in dest.read_text(encoding="utf-8", errors="replace")
            except OSError:
                ours = False
            if not ours:
                steps.append(Step(str(dest), "kept (not ours; --force replaces it)"))
                continue
        tmp = dest.with_name(f".{name}.tmp")
        tmp.write_text(compat_script(name, py), encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, dest)
        steps.append(Step(str(dest), "wrote"))
    return steps


def defaults_text() -> str:
    """/etc/default/ha-agents: the unit's ``$HA_AGENTS_OPTS`` (also the .deb's conffile)."""
    return resources.files("ha_agents").joinpath("data/ha-agents.default").read_text()


def unit_text(ha_agents_cmd: str) -> str:
    text = resources.files("ha_agents").joinpath("data/ha-agents.service").read_text()
    return text.replace("@HA_AGENTS@", ha_agents_cmd)


def _copy_new(src: Path, dest: Path, mode: int | None, steps: list[Step]) -> None:
    if dest.exists():
        steps.append(Step(str(dest), "kept"))
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    if mode is not None:
        dest.chmod(mode)
    steps.append(Step(str(dest), "wrote"))


def _write_agent(src: Path, dest: Path, python: str, steps: list[Step], note: str = "") -> None:
    """Copy an agent with its shebang pointing at the interpreter that has ha_agents."""
    install_agent(src, dest, python)
    steps.append(Step(str(dest), "wrote", note))


def _closed_note(python: str) -> str:
    shut = closed_dirs(python)
    if not shut:
        return ""
    return (
        f"WARNING: {python} lies behind {', '.join(map(str, shut))}, which other users "
        "cannot enter: Pacemaker reads an agent's meta-data as user hacluster; install "
        "ha_agents where every user can run it (the .deb, or a venv outside it)"
    )


def _write_new(dest: Path, text: str, mode: int, steps: list[Step], note: str = "") -> None:
    if dest.exists():
        steps.append(Step(str(dest), "kept"))
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    os.replace(tmp, dest)
    steps.append(Step(str(dest), "wrote", note))


def fresh_authkeys(example: str) -> str:
    """The example authkeys with every md5/sha1 key replaced by a new random one."""
    return KEY_LINE.sub(lambda m: m.group(1) + secrets.token_hex(20), example)


def readme_text() -> str | None:
    """README.md of the installed distribution (its long description), None if absent."""
    try:
        md = metadata.metadata("ha_agents")
    except metadata.PackageNotFoundError:
        return None
    text = md.get_payload() or md.get("Description")  # type: ignore[attr-defined]
    return str(text) if text else None


def _config_examples(etc: Path, examples: Path, steps: list[Step]) -> None:
    for name in ("ha.cf", "haresources"):
        if (examples / name).is_file():
            _copy_new(examples / name, etc / name, 0o644, steps)
    keys = examples / "authkeys"
    if keys.is_file():
        note = "a new random key: copy this same file to every node"
        _write_new(etc / "authkeys", fresh_authkeys(keys.read_text()), 0o600, steps, note)


def install_system(
    root: Path,
    examples: Path | None = None,
    agents: Path | None = None,
    python: str | None = None,
    ha_agents_cmd: str | None = None,
) -> list[Step]:
    """Install under ``root`` (``/`` for the real system).

    * /etc/ha.d/{ha.cf,haresources} from ``examples`` unless present, and authkeys with
      a new random key unless present (0600);
    * our agents to /usr/lib/ha_agents/resource.d/ and, as OCF provider ``ha_agents``, to
      /usr/lib/ocf/resource.d/ha_agents/ (never into /etc/ha.d/resource.d, where a real
      Heartbeat's scripts of the same names live);
    * the state dir /var/lib/heartbeat, /etc/default/ha-agents (the unit's options,
      unless present), the systemd unit and the README its Documentation= names.
    """
    py = python or sys.executable
    cmd = ha_agents_cmd or f"{py} -m ha_agents"
    steps: list[Step] = []
    _config_examples(_under(root, "/etc/ha.d"), examples or examples_dir(), steps)
    source = agents or Path(search.package_agents_dir())
    ocf_note = _closed_note(py)
    for src in sorted(source.iterdir()) if source.is_dir() else []:
        if not src.is_file() or not os.access(src, os.X_OK) or src.name.startswith("."):
            continue
        _write_agent(src, _under(root, search.SYSTEM_AGENTS_DIR) / src.name, py, steps)
        ocf = _under(root, "/usr/lib/ocf/resource.d/ha_agents") / src.name
        _write_agent(src, ocf, py, steps, ocf_note)
    state = _under(root, "/var/lib/heartbeat")
    if not state.is_dir():
        state.mkdir(parents=True)
        steps.append(Step(str(state), "created"))
    state.chmod(state.stat().st_mode & ~(stat.S_IWGRP | stat.S_IWOTH))
    _write_new(_under(root, "/etc/default/ha-agents"), defaults_text(), 0o644, steps)
    readme = readme_text()
    if readme is not None:
        _write_new(_under(root, UNIT_DOC), readme, 0o644, steps)
    unit = _under(root, "/etc/systemd/system/ha-agents.service")
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(unit_text(cmd), encoding="utf-8")
    steps.append(Step(str(unit), "wrote"))
    return steps
