"""Process bookkeeping of the lab: groups are signalled by PID, never a recycled one."""

from __future__ import annotations

import signal
import subprocess

from tests.lab import procs, wait_until


def test_group_keeps_leader_unreaped_while_members_live_then_forgets() -> None:
    # the leader exits at once, leaving a member in its process group
    leader = subprocess.Popen(
        ["sh", "-c", "sleep 300 & echo $!; exit 0"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert leader.stdout is not None
    member = int(leader.stdout.readline())
    group = procs.Group(leader)
    assert wait_until(lambda: not procs.alive(leader.pid), timeout=5)
    assert group.pids() == [member]
    # the dead leader is still an unreaped zombie: its PID (the group ID) stays ours
    assert leader.returncode is None
    assert procs.start_time(leader.pid) is not None
    assert group.signal(signal.SIGKILL) == [member]
    assert wait_until(lambda: not group.pids(), timeout=5)
    assert leader.returncode == 0  # reaped once the group was empty
    assert group.pids() == [] and group.signal(signal.SIGTERM) == []


def test_terminate_escalates_to_sigkill_for_a_process_ignoring_sigterm() -> None:
    p = subprocess.Popen(["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
                         stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    procs.terminate([p.pid], grace=0.3)
    assert p.wait(timeout=5) == -signal.SIGKILL
