"""A throwaway root for installing the .deb: this machine's / seen through an overlay.

One holder process runs in a private mount namespace (``unshare --mount``) where a tmpfs
holds the overlay's upper and work dirs and ``ROOT`` is / with every change going to
that tmpfs; /proc, /sys and /dev are bound in, /run and /tmp are fresh tmpfs (a checkout
under them is bound back at its path, as it is seen everywhere else).  Commands
run there with ``nsenter --mount`` + ``chroot``, optionally inside a network namespace.
Nothing of it is visible outside the namespace: when the holder ends (``close()``), the
kernel drops the mounts and the tmpfs with every file apt wrote.  With ``hostname`` the
holder also has its own UTS namespace (a node's ``uname -n``), which commands share.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
SETUP = r"""
set -e
W=$1
[ -z "$2" ] || hostname "$2"
mount -t tmpfs -o mode=0755 tmpfs "$W"
mkdir "$W/upper" "$W/work" "$W/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$W/root"
for d in proc sys dev; do mount --rbind "/$d" "$W/root/$d"; done
mount -t tmpfs -o mode=0755 tmpfs "$W/root/run"
mount -t tmpfs -o mode=1777 tmpfs "$W/root/tmp"
[ -z "$3" ] || { mkdir -p "$W/root$3"; mount --bind "$3" "$W/root$3"; }
echo ready
exec cat
"""


def _hidden_checkout() -> str:
    """The checkout when it lies under /tmp or /run (a clone in /tmp), which the fresh
    tmpfs would hide: bound back at the same path, it is seen as from any other place."""
    repo = Path(__file__).resolve().parents[2]
    hidden = any(repo.is_relative_to(top) for top in ("/tmp", "/run"))
    return str(repo) if hidden else ""


class OverlayRoot:
    def __init__(self, hostname: str = "") -> None:
        self.base = Path(tempfile.mkdtemp(prefix="ha-agents-ovl-"))
        self.root = self.base / "root"
        self.ns = ["--mount", "--uts"] if hostname else ["--mount"]
        setup = ["sh", "-c", SETUP, "sh", str(self.base), hostname, _hidden_checkout()]
        self.holder = subprocess.Popen(
            ["unshare", *self.ns, "--propagation", "private", *setup],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.holder.stdout is not None
        line = self.holder.stdout.readline()  # bounded: the holder exits on any error
        if line.strip() != "ready":
            self.close()
            raise RuntimeError(f"overlay root not set up: {line}{self.holder.stdout.read()}")

    def argv(self, argv: Sequence[str], netns: str | None = None) -> list[str]:
        inner = ["nsenter", f"--target={self.holder.pid}", *self.ns, "--"]
        inner += ["chroot", str(self.root), *argv]
        return ["ip", "netns", "exec", netns, *inner] if netns else inner

    def run(
        self,
        argv: Sequence[str],
        netns: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` inside the root, with a clean environment (system PATH + ``env``)."""
        full = ["env", "-i", f"PATH={SYSTEM_PATH}", "LC_ALL=C.UTF-8"]
        full += [f"{k}={v}" for k, v in (env or {}).items()]
        return subprocess.run(
            self.argv([*full, *argv], netns),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def sh(self, script: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run(["sh", "-c", script], **kw)  # type: ignore[arg-type]

    def put(self, src: Path, dest: str) -> None:
        """Copy a file of this machine to ``dest`` inside the root."""
        enter = ["nsenter", f"--target={self.holder.pid}", "--mount", "--"]
        subprocess.run(
            [*enter, "cp", str(src), f"{self.root}{dest}"],
            check=True,
            timeout=60,
        )

    def close(self) -> None:
        if self.holder.poll() is None:
            assert self.holder.stdin is not None
            with contextlib.suppress(OSError):
                self.holder.stdin.close()
            try:
                self.holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.holder.kill()
                self.holder.wait(timeout=10)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # empty again once the namespace and its mounts are gone
        for d in ("upper", "work"):
            with contextlib.suppress(OSError):
                (self.base / d).rmdir()
        with contextlib.suppress(OSError):
            self.base.rmdir()

    def __enter__(self) -> OverlayRoot:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
