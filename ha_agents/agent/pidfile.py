"""Pid files: write, read, check the process is alive, detect stale files (edge)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ha_agents.agent.proc import pid_alive


class PidFile:
    """A pid file at ``path``; ``name`` (optional) guards against pid reuse.

    When ``name`` is given, a live pid only counts if the process's command name
    (``/proc/PID/comm``) or the first word of its command line contains ``name``.
    """

    def __init__(self, path: str | os.PathLike[str], name: str = "") -> None:
        self.path = Path(path)
        self.name = name

    def read(self) -> int | None:
        """The pid in the file, or None when missing, unreadable or not a number."""
        try:
            text = self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return None
        word = text.split()[0] if text else ""
        return int(word) if word.isdigit() and int(word) > 0 else None

    def write(self, pid: int) -> None:
        """Write ``pid`` atomically, creating the directory."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(f"{pid}\n", encoding="ascii")
        os.replace(tmp, self.path)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def alive(self) -> int | None:
        """The pid if the file names a live process (of ``name``), else None."""
        pid = self.read()
        if pid is None or not pid_alive(pid):
            return None
        if self.name and not self._matches(pid):
            return None
        return pid

    def is_stale(self) -> bool:
        """The file exists but its process is gone (the service died)."""
        return self.path.exists() and self.alive() is None

    def _matches(self, pid: int) -> bool:
        try:
            comm = Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            return False
        return self.name in comm or self.name in os.path.basename(cmd)
