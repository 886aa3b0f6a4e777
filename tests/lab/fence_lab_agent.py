#!/usr/bin/env python3
"""fence_lab: power a lab node off by cutting its links and killing its processes by PID.

See tests/lab/fencelab.py.  Stdlib only; runs inside a Pacemaker lab node (as root).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_lab" shortdesc="Lab power switch (ha_agents tests)">
<longdesc>Powers a lab node off: takes its network namespace's interfaces down and kills
every process of its mount namespace by PID. Test use only.</longdesc>
<vendor-url>https://example.invalid/ha_agents</vendor-url>
<parameters>
 <parameter name="action" unique="0" required="1">
  <getopt mixed="-o, --action=[action]"/>
  <content type="string" default="reboot"/>
  <shortdesc lang="en">Fencing action</shortdesc>
 </parameter>
 <parameter name="plug" unique="0" required="0" obsoletes="port">
  <getopt mixed="-n, --plug=[node]"/>
  <content type="string"/>
  <shortdesc lang="en">The node to power off</shortdesc>
 </parameter>
 <parameter name="port" unique="0" required="0" deprecated="1">
  <getopt mixed="-n, --plug=[node]"/>
  <content type="string"/>
  <shortdesc lang="en">The node to power off</shortdesc>
 </parameter>
 <parameter name="powerdir" unique="0" required="1">
  <getopt mixed="--powerdir=[dir]"/>
  <content type="string"/>
  <shortdesc lang="en">Directory with one file per node: PID and start time</shortdesc>
 </parameter>
</parameters>
<actions>
 <action name="on"/><action name="off"/><action name="reboot"/><action name="status"/>
 <action name="list"/><action name="monitor"/><action name="metadata"/>
</actions>
</resource-agent>
"""


def _options(argv: list[str]) -> dict[str, str]:
    opts: dict[str, str] = {}
    if len(argv) > 1:
        it = iter(argv[1:])
        for arg in it:
            if arg in ("-o", "--action"):
                opts["action"] = next(it, "")
            elif arg in ("-n", "--plug"):
                opts["plug"] = next(it, "")
            elif arg.startswith("--powerdir="):
                opts["powerdir"] = arg.split("=", 1)[1]
        return opts
    for line in sys.stdin.read().splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            opts[name.strip()] = value.strip()
    if "plug" not in opts:
        opts["plug"] = opts.get("port") or opts.get("nodename", "")
    return opts


def _start_time(pid: int) -> str | None:
    """The start time of a live (not zombie) process ``pid``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if len(fields) < 20 or fields[0] in ("Z", "X") else fields[19]


def _anchor(powerdir: Path, node: str) -> int | None:
    """The node's first process, if it is still the one recorded (not a recycled PID)."""
    try:
        pid_text, start = (powerdir / node).read_text().split()[:2]
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if _start_time(pid) == start else None


def _pids_in_mnt_ns(inode: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}/ns/mnt").st_ino == inode:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def power_off(powerdir: Path, node: str) -> bool:
    pid = _anchor(powerdir, node)
    if pid is None:
        return True  # already off
    net = f"/proc/{pid}/ns/net"
    links = subprocess.run(
        ["nsenter", f"--net={net}", "ip", "-o", "link", "show"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout
    for line in links.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if name != "lo":
            subprocess.run(["nsenter", f"--net={net}", "ip", "link", "set", name, "down"],
                           timeout=10, check=False)  # fmt: skip
    inode = os.stat(f"/proc/{pid}/ns/mnt").st_ino
    for _ in range(50):  # bounded: 50 rounds of 0.1 s
        pids = [p for p in _pids_in_mnt_ns(inode) if p != os.getpid()]
        if not pids:
            break
        for p in pids:
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        time.sleep(0.1)
    return _anchor(powerdir, node) is None


def main(argv: list[str]) -> int:
    opts = _options(argv)
    action = opts.get("action", "reboot")
    if action == "metadata":
        sys.stdout.write(METADATA)
        return 0
    powerdir = Path(opts.get("powerdir", ""))
    if not powerdir.is_dir():
        print(f"fence_lab: powerdir {powerdir} missing", file=sys.stderr)
        return 1
    node = opts.get("plug", "")
    if action == "monitor":
        return 0
    if action == "list":
        for f in sorted(powerdir.iterdir()):
            print(f.name)
        return 0
    if action == "status":
        on = _anchor(powerdir, node) is not None
        print(f"Status: {'ON' if on else 'OFF'}")
        return 0 if on else 2
    if action in ("off", "reboot"):
        return 0 if power_off(powerdir, node) else 1
    print(f"fence_lab: action {action!r} not supported (a lab node cannot be powered on)",
          file=sys.stderr)  # fmt: skip
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
