"""A null-modem cable for the lab: a socat pty pair (EDGE: runs socat).

``pty_pair(lab, host)`` starts ``socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`` as a
tracked process of ``host`` (killed when the lab closes) and returns the two link paths
once both exist: give A to one node's ``serial`` line and B to the other's.  With
``dump``, socat also writes a hex dump of everything that crosses (``-x -v``) there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.lab.netns import Host, Lab
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until


def pty_pair(
    lab: Lab, host: Host, name: str = "tty", dump: Path | None = None
) -> tuple[Path, Path]:
    if shutil.which("socat") is None:
        raise LabError("socat missing: install the Debian socat package")
    a, b = lab.tmpdir / f"{name}A", lab.tmpdir / f"{name}B"
    argv = ["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"]
    if dump is not None:
        argv[1:1] = ["-x", "-v"]
        with open(dump, "wb") as out:
            proc = host.popen(argv, stderr=out)
    else:
        proc = host.popen(argv)
    if not wait_until(lambda: (a.exists() and b.exists()) or proc.poll() is not None, 10):
        raise LabError("socat did not create the pty pair within 10 s")
    if proc.poll() is not None:
        raise LabError(f"socat exited at once (rc {proc.returncode})")
    return a, b
