"""Test helper: run a command in a private mount namespace with some bind mounts.

Nothing is mounted on the host: ``unshare --mount --propagation private`` gives the
command its own copy of the mount table, which disappears with it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

_BIND = 'set -e; while [ "$1" != "--" ]; do mount --bind "$1" "$2"; shift 2; done; shift; exec "$@"'


def private_argv(binds: Sequence[tuple[str, str]], argv: Sequence[str]) -> list[str]:
    pairs = [p for b in binds for p in b]
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        _BIND,
        "sh",
        *pairs,
        "--",
        *argv,
    ]


def run_private(
    binds: Sequence[tuple[str, str]],
    argv: Sequence[str],
    netns: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    full = private_argv(binds, argv)
    if netns:
        full = ["ip", "netns", "exec", netns, *full]
    return subprocess.run(
        full, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
