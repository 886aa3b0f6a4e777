#!/usr/bin/env python3
"""Ground truth: run the REAL Heartbeat 3.0.6 on each config case and record its verdict.

Usage (as root, Debian 'heartbeat' installed)::

    python3 tools/groundtruth.py [--write] [--grace 2.5] tests/data/configs/CASE ...
    python3 tools/groundtruth.py --write --all     # tests/data/{configs,generated_configs}

Each case is a directory holding any of ``ha.cf``, ``authkeys``, ``haresources``,
``nodeinfo``, ``resource.d/*`` and an optional ``case.json``::

    {"description": "...", "node": "node1",
     "modes": {"authkeys": "0644"},          # git keeps no 0600: modes live here
     "dirs": ["haresources"],                # make this name a directory
     "symlinks": {"authkeys": "authkeys"}}   # NAME -> link target (loops allowed)

Heartbeat runs as ``heartbeat -f`` inside ``unshare --mount --uts --net --propagation
private``: a fresh network namespace with a veth pair ``eth0``/``eth1`` (eth0 has
192.0.2.11/24, TEST-NET-1; nothing leaves the namespace), the hostname set to the node
name, and private bind mounts over ``/etc/ha.d`` (a copy of the shipped tree plus the
case files), ``/var/lib/heartbeat`` (empty skeleton) and ``/run``, and a tmpfs over
``/var/log`` (a case's logfile).  The host's /etc/ha.d and logs are never written.

Verdict: exit status 6 (or any exit within ``grace`` seconds after
"Configuration validated") = refused; still running ``grace`` seconds after
"Configuration validated" = accepted.  Startup can be slow (a ``stonith_host`` whose
device does not answer retries for about a minute before "Configuration validated"),
so a run may take up to 90 s before it counts as not accepted.  Every process in the
run's mount namespace is then killed with SIGKILL, by PID (no resource is given up, no
script runs on stop).
With ``--write`` the verdict goes to CASE/expected.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEARTBEAT = "/usr/libexec/heartbeat/heartbeat"
SHIPPED_HA_D = Path("/etc/ha.d")
SHIPPED_VAR_LIB = Path("/var/lib/heartbeat")
CASE_FILES = ("ha.cf", "authkeys", "haresources", "nodeinfo")
NODE_ADDRESS = "192.0.2.11/24"
REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "configs"  # named cases (tutorials, traps)
GENERATED = REPO / "tests" / "data" / "generated_configs"  # probes (p_*), random (rand_*)
_LOG_RE = re.compile(r"\b(ERROR|WARN|CRIT|info|debug): (.*)$")
_NODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")


def case_meta(case: Path) -> dict[str, object]:
    meta = case / "case.json"
    if meta.exists():
        data = json.loads(meta.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    return {}


def case_node(case: Path) -> str:
    node = case_meta(case).get("node", "node1")
    return str(node)


def materialise(case: Path, dest: Path) -> None:
    """Write the case's files into ``dest`` (an existing directory), modes applied.

    Shared with the tests, which run ``ha-agents check`` on the same tree.
    """
    meta = case_meta(case)
    for name in CASE_FILES:
        src = case / name
        if src.is_file():
            shutil.copyfile(src, dest / name)
    rd = case / "resource.d"
    if rd.is_dir():
        (dest / "resource.d").mkdir(exist_ok=True)
        for script in rd.iterdir():
            shutil.copyfile(script, dest / "resource.d" / script.name)
            (dest / "resource.d" / script.name).chmod(0o755)
    if (dest / "authkeys").is_file():
        (dest / "authkeys").chmod(0o600)
    modes = meta.get("modes", {})
    if isinstance(modes, dict):
        for name, mode in modes.items():
            (dest / str(name)).chmod(int(str(mode), 8))
    dirs = meta.get("dirs", [])
    if isinstance(dirs, list):
        for name in dirs:
            (dest / str(name)).mkdir()
    links = meta.get("symlinks", {})
    if isinstance(links, dict):
        for name, target in links.items():
            (dest / str(name)).symlink_to(str(target))


def _hb_ids() -> tuple[int, int]:
    import grp
    import pwd

    return pwd.getpwnam("hacluster").pw_uid, grp.getgrnam("haclient").gr_gid


def _prepare(case: Path, root: Path) -> tuple[Path, Path, Path]:
    uid, gid = _hb_ids()
    etc, var_lib, run = root / "etc-ha.d", root / "var-lib-heartbeat", root / "run"
    shutil.copytree(SHIPPED_HA_D, etc, symlinks=True)
    for name in CASE_FILES:  # the shipped tree has none, but be sure
        p = etc / name
        if p.is_symlink() or p.is_file():
            p.unlink()
    materialise(case, etc)
    var_lib.mkdir()
    for src in sorted(SHIPPED_VAR_LIB.rglob("*")):
        if src.is_dir() and not src.is_symlink():
            dst = var_lib / src.relative_to(SHIPPED_VAR_LIB)
            dst.mkdir(parents=True, exist_ok=True)
            st = src.stat()
            os.chown(dst, st.st_uid, st.st_gid)
            dst.chmod(st.st_mode & 0o7777)
    run.mkdir()
    for sub in ("", "ccm", "crm", "dopd", "rsctmp"):
        d = run / "heartbeat" / sub
        d.mkdir(mode=0o750, exist_ok=True)
        os.chown(d, uid, gid)
    (run / "lock").mkdir()
    (run / "lock").chmod(0o1777)
    return etc, var_lib, run


def _mnt_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/mnt").st_ino
    except OSError:
        return None


def _pids_in_mnt(ns_fd: int) -> list[int]:
    """PIDs in the mount namespace held open by ``ns_fd``.

    The namespace is identified by (st_dev, st_ino) of an fd we keep open: while it is
    open the namespace cannot die, so its inode number cannot be handed to another
    namespace (every ``ip netns exec`` makes a fresh one) and we never kill a stranger.
    """
    want = os.fstat(ns_fd)
    pids: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            st = os.stat(f"/proc/{entry}/ns/mnt")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino):
            pids.append(int(entry))
    return pids


def _log_lines(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        m = _LOG_RE.search(line)
        if m:
            out.append(f"{m.group(1)}: {m.group(2).strip()}")
        elif line.strip() and not line.startswith((" ", "\t")):
            out.append(line.strip())
    return out


EXTERNAL_KILLS = (-signal.SIGKILL, -signal.SIGTERM, -signal.SIGINT)


def run_case(case: Path, grace: float = 2.5, timeout: float = 90.0) -> dict[str, object]:
    """Run Heartbeat on ``case``; the verdict as a dict (see module doc).

    A run killed from outside (SIGKILL/SIGTERM/SIGINT, e.g. a cleanup on a shared
    machine) says nothing about the config: it is run again, up to 3 times.
    """
    verdict: dict[str, object] = {}
    for _attempt in range(3):
        verdict = _run_once(case, grace, timeout)
        if verdict["heartbeat_exit"] not in EXTERNAL_KILLS:
            break
    return verdict


def _run_once(case: Path, grace: float, timeout: float) -> dict[str, object]:
    node = case_node(case)
    if not _NODE_RE.match(node):
        raise SystemExit(f"{case}: bad node name {node!r}")
    root = Path(tempfile.mkdtemp(prefix="hagt-"))
    proc: subprocess.Popen[bytes] | None = None
    inode: int | None = None
    ns_fd: int | None = None
    try:
        etc, var_lib, run = _prepare(case, root)
        q = shlex.quote
        script = "; ".join(
            [
                "set -e",
                "ip link set lo up",
                "ip link add eth0 type veth peer name eth1",
                f"ip addr add {NODE_ADDRESS} brd + dev eth0",
                "ip link set eth1 up",
                "ip link set eth0 up",
                f"hostname {q(node)}",
                f"mount --bind {q(str(etc))} /etc/ha.d",
                f"mount --bind {q(str(var_lib))} /var/lib/heartbeat",
                f"mount --bind {q(str(run))} /run",
                # the case's logfile/debugfile land in a private /var/log, not the host's
                "mount -t tmpfs -o mode=0755 tmpfs /var/log",
                f"exec {HEARTBEAT} -f",
            ]
        )
        out_path = root / "output"
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(
                [
                    *("unshare", "--mount", "--uts", "--net", "--propagation", "private"),
                    *("sh", "-c", script),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        host_inode = _mnt_inode(os.getpid())
        for _ in range(40):  # bounded: wait up to 2 s for unshare to take effect
            inode = _mnt_inode(proc.pid)
            if inode is None or inode != host_inode:
                break
            time.sleep(0.05)
        if inode is not None and inode != host_inode:
            with contextlib.suppress(OSError):
                ns_fd = os.open(f"/proc/{proc.pid}/ns/mnt", os.O_RDONLY)
                if os.fstat(ns_fd).st_ino != inode:  # the PID moved on: not ours
                    os.close(ns_fd)
                    ns_fd = None
        deadline = time.monotonic() + timeout
        validated_at: float | None = None
        rc: int | None = None
        while time.monotonic() < deadline:
            rc = proc.poll()
            text = _all_logs(root, etc)
            if validated_at is None and "Configuration validated" in text:
                validated_at = time.monotonic()
            if rc is not None:
                break
            if validated_at is not None and time.monotonic() - validated_at >= grace:
                break
            time.sleep(0.05)
        text = _all_logs(root, etc)
        validated = "Configuration validated" in text
        accepted = rc is None and validated
        return {
            "accepted": accepted,
            "heartbeat_exit": rc,
            "validated": validated,
            "node": node,
            "heartbeat": "3.0.6",
            "log": _log_lines(text)[:80],
        }
    finally:
        if proc is not None:
            if ns_fd is not None:
                for _ in range(3):
                    pids = _pids_in_mnt(ns_fd)
                    if not pids:
                        break
                    for pid in pids:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    time.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=5)
        if ns_fd is not None:
            os.close(ns_fd)
        shutil.rmtree(root, ignore_errors=True)


def _all_logs(root: Path, etc: Path) -> str:
    """stdout/stderr plus any log file the case's ha.cf names (inside the run only)."""
    parts = []
    with contextlib.suppress(OSError):
        parts.append((root / "output").read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", type=Path)
    ap.add_argument("--all", action="store_true", help="every case under tests/data/configs")
    ap.add_argument("--write", action="store_true", help="write CASE/expected.json")
    ap.add_argument("--grace", type=float, default=2.5)
    args = ap.parse_args(argv)
    if os.geteuid() != 0 or not Path(HEARTBEAT).exists():
        print("groundtruth: needs root and the Debian heartbeat package", file=sys.stderr)
        return 2
    every = [p for d in (CORPUS, GENERATED) if d.is_dir() for p in d.iterdir() if p.is_dir()]
    cases = sorted(every) if args.all else args.cases
    for case in cases:
        verdict = run_case(case, grace=args.grace)
        word = "accepted" if verdict["accepted"] else f"refused (exit {verdict['heartbeat_exit']})"
        print(f"{case.name}: {word}")
        if args.write:
            (case / "expected.json").write_text(json.dumps(verdict, indent=2) + "\n")
        elif len(cases) == 1:
            print("\n".join(str(x) for x in verdict["log"]))  # type: ignore[union-attr]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
