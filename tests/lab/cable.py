"""A serial null-modem cable that can be cut: two ptys joined by a relay process.

    cable = SerialCable(lab, host)      # starts ``python -m tests.lab.cable A B``
    cable.a, cable.b                    # the two tty paths (symlinks to /dev/pts/N)
    cable.cut(); cable.heal()           # SIGUSR1 / SIGUSR2: drop / pass the bytes

The relay opens both pty pairs itself (so a node closing or reopening its end never
ends the cable), copies each master's bytes to the other while connected and discards
them while cut, as a pulled cable loses them.  A write the far side cannot take at once
is dropped (a UART would overrun).  The process is tracked by the lab (killed at close).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import sys
import time
import tty
from pathlib import Path
from types import FrameType

from tests.lab import procs
from tests.lab.netns import Host, Lab
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until


class SerialCable:
    def __init__(self, lab: Lab, host: Host, name: str = "tty") -> None:
        self.a, self.b = lab.tmpdir / f"{name}A", lab.tmpdir / f"{name}B"
        argv = [sys.executable, "-m", "tests.lab.cable", str(self.a), str(self.b)]
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": root}
        self.proc = host.popen(argv, env=env)
        if not wait_until(lambda: (self.a.exists() and self.b.exists()) or self._gone(), 10):
            raise LabError("serial cable relay did not create its ptys within 10 s")
        if self._gone():
            raise LabError(f"serial cable relay exited at once (rc {self.proc.returncode})")

    def _gone(self) -> bool:
        return self.proc.poll() is not None

    def cut(self) -> None:
        procs.send(self.proc.pid, signal.SIGUSR1)

    def heal(self) -> None:
        procs.send(self.proc.pid, signal.SIGUSR2)


def _open_end(link: Path) -> tuple[int, int]:
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    link.unlink(missing_ok=True)
    link.symlink_to(os.ttyname(slave))
    return master, slave


def relay(a: Path, b: Path, seconds: float = 24 * 3600.0) -> None:
    state = {"cut": False}

    def on_signal(signo: int, _frame: FrameType | None) -> None:
        state["cut"] = signo == signal.SIGUSR1

    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGUSR2, on_signal)
    ma, _sa = _open_end(a)
    mb, _sb = _open_end(b)
    peer = {ma: mb, mb: ma}
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # bounded: the lab kills us long before
        try:
            ready, _, _ = select.select([ma, mb], [], [], 1.0)
        except InterruptedError:
            continue
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:  # EIO: no one has this end open (we keep the slave: rare)
                time.sleep(0.01)
                continue
            if data and not state["cut"]:
                with contextlib.suppress(BlockingIOError, InterruptedError, OSError):
                    os.write(peer[fd], data)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab.cable")
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    relay(args.a, args.b)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
