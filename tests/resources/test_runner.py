"""The script runner: exit codes, bad output, hangs, huge output, missing scripts.

pytest-subprocess (``fp``) fakes the process for the exit-code and output cases; the
hang/fork/huge-output cases run real scripts, because killing a real process tree and
bounding a real pipe are what they test.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import psutil
from pytest_subprocess import FakeProcess

from ha_agents.resources.agents import Agent, AgentClass
from ha_agents.resources.outcome import Operation, Status
from ha_agents.resources.runner import AsyncScriptRunner, RunResult

ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}


def run(argv: list[str], timeout: float = 5.0, **kw: float) -> RunResult:
    return asyncio.run(AsyncScriptRunner(**kw).run(argv, ENV, timeout))  # type: ignore[arg-type]


def script(tmp_path: Path, body: str, name: str = "s", mode: int = 0o755) -> str:
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(mode)
    return str(p)


def test_runner_lsb_status_3_is_stopped(fp: FakeProcess) -> None:
    fp.register(["/etc/init.d/svc", "status"], returncode=3, stdout="svc is not running\n")
    res = run(["/etc/init.d/svc", "status"])
    agent = Agent("svc", AgentClass.LSB, "/etc/init.d/svc")
    assert (res.rc, res.timed_out) == (3, False)
    assert agent.interpret(Operation.STATUS, res.rc, res.stdout).status is Status.STOPPED


def test_runner_ocf_monitor_7_is_stopped_and_1_is_failed(fp: FakeProcess) -> None:
    fp.register(["/ocf/Dummy", "monitor"], returncode=7)
    fp.register(["/ocf/Dummy", "monitor"], returncode=1, stderr="boom")
    agent = Agent("ocf:x:Dummy", AgentClass.OCF, "/ocf/Dummy")
    first = run(["/ocf/Dummy", "monitor"])
    second = run(["/ocf/Dummy", "monitor"])
    assert agent.interpret(Operation.STATUS, first.rc, first.stdout).status is Status.STOPPED
    out = agent.interpret(Operation.STATUS, second.rc, second.stdout)
    assert (out.ok, out.status, second.stderr) == (False, Status.FAILED, "boom")
    assert "OCF_ERR_GENERIC" in out.reason


def test_runner_garbage_stdout_is_decoded_and_means_stopped(fp: FakeProcess) -> None:
    fp.register(["/rd/x", "status"], returncode=0, stdout=b"\xff\xfe\x00garbage\x80")
    res = run(["/rd/x", "status"])
    agent = Agent("x", AgentClass.HEARTBEAT, "/rd/x")
    assert "garbage" in res.stdout and "\ufffd" in res.stdout
    assert agent.interpret(Operation.STATUS, res.rc, res.stdout).status is Status.STOPPED


def test_runner_heartbeat_start_nonzero_is_failure(fp: FakeProcess) -> None:
    fp.register(["/rd/x", "a1", "start"], returncode=1, stdout="ERROR: no")
    res = run(["/rd/x", "a1", "start"])
    out = Agent("x::a1", AgentClass.HEARTBEAT, "/rd/x", ("a1",)).interpret(
        Operation.START, res.rc, res.stdout
    )
    assert (res.rc, out.ok, out.reason) == (1, False, "exit 1")


def test_runner_killed_by_signal_gives_negative_rc(fp: FakeProcess) -> None:
    fp.register(["/rd/x", "stop"], returncode=-9)
    assert run(["/rd/x", "stop"]).rc == -9


def test_runner_missing_script_is_rc_127_not_an_exception(tmp_path: Path) -> None:
    res = run([str(tmp_path / "nope"), "start"])
    assert res.rc == 127 and res.error is not None and "no such file" in res.error


def test_runner_non_executable_script_is_rc_126(tmp_path: Path) -> None:
    s = script(tmp_path, "echo hi\n", mode=0o644)
    res = run([s, "start"])
    assert res.rc == 126 and res.error is not None and "not executable" in res.error


def test_runner_hang_is_killed_at_the_timeout(tmp_path: Path) -> None:
    s = script(tmp_path, "echo started; exec sleep 30\n")
    t0 = time.monotonic()
    res = run([s, "stop"], timeout=0.5)
    assert res.timed_out and res.rc < 0
    assert res.stdout == "started\n"
    assert time.monotonic() - t0 < 3.0


def test_runner_timeout_kills_the_whole_tree_even_a_child_that_ignores_sigterm(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "child.pid"
    s = script(
        tmp_path,
        f"sh -c 'trap \"\" TERM; echo $$ > {pidfile}; while :; do sleep 0.1; done' &\nsleep 30\n",
    )
    res = run([s, "start"], timeout=0.7, kill_grace=0.3)
    assert res.timed_out
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while psutil.pid_exists(child) and psutil.Process(child).status() != "zombie":
        assert time.monotonic() < deadline, f"child {child} survived the tree kill"
        time.sleep(0.05)


def test_runner_leftover_child_holding_stdout_does_not_block(tmp_path: Path) -> None:
    pidfile = tmp_path / "daemon.pid"
    s = script(tmp_path, f"sleep 5 & echo $! > {pidfile}; echo started\n")
    t0 = time.monotonic()
    res = run([s, "start"], timeout=10)
    try:
        assert (res.rc, res.timed_out, res.stdout) == (0, False, "started\n")
        assert time.monotonic() - t0 < 2.0
        assert psutil.pid_exists(int(pidfile.read_text())), "a started daemon must survive"
    finally:
        os.kill(int(pidfile.read_text()), 9)


def test_runner_huge_output_is_bounded(tmp_path: Path) -> None:
    s = script(tmp_path, "head -c 50000000 /dev/zero | tr '\\0' x; echo done >&2\n")
    res = run([s, "status"], timeout=20, limit=4096)
    assert res.rc == 0 and res.stderr == "done\n"
    assert res.stdout.startswith("x" * 4096)
    assert len(res.stdout) < 4096 + 200
    assert "49995904 more bytes of output dropped" in res.stdout


def test_runner_passes_argv_without_a_shell(tmp_path: Path) -> None:
    s = script(tmp_path, 'printf "%s|" "$@"\n')
    res = run([s, "a; touch /tmp/pwned", "$(id)", "start"])
    assert res.stdout == "a; touch /tmp/pwned|$(id)|start|"


def test_runner_fake_hang_times_out_without_signalling_any_real_process(fp: FakeProcess) -> None:
    """The fake process has a made-up PID: the tree kill must only touch our own children."""
    fp.register(["/rd/hang", "stop"], wait=1)
    res = run(["/rd/hang", "stop"], timeout=0.2)
    # (the fake ignores kill() and finishes its 1 s; a real process dies at once, see below)
    assert res.timed_out


def test_in_process_runner_passes_other_scripts_to_the_wrapped_runner(
    fp: FakeProcess, tmp_path: Path
) -> None:
    from ha_agents.agents.ipaddr.inprocess import InProcessRunner

    fp.register(["/etc/ha.d/resource.d/IPaddr", "192.0.2.5", "status"], stdout="running\n")
    ours = tmp_path / "IPaddr"
    r = InProcessRunner(AsyncScriptRunner(), agent_dirs=(str(tmp_path),))
    res = asyncio.run(r.run(["/etc/ha.d/resource.d/IPaddr", "192.0.2.5", "status"], ENV, 5))
    assert res.stdout == "running\n"
    assert r._agent_argv(["/usr/bin/python3", str(ours), "192.0.2.5", "start"]) == [
        str(ours),
        "192.0.2.5",
        "start",
    ]
    assert r._agent_argv(["/bin/sh", str(ours), "start"]) is None


class StuckNetlink:
    """An address port whose first kernel call hangs until released (a stuck netlink)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.added: list[str] = []

    def __enter__(self) -> StuckNetlink:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def find(self, ip: str) -> None:
        self.entered.set()
        self.release.wait(10)
        return None

    def connected(self, ip: str, nic: str | None) -> tuple[str, int]:
        return ("eth0", 24)

    def labels(self, ifname: str) -> set[str]:
        return set()

    def link_exists(self, ifname: str) -> bool:
        return True

    def add(self, ifname: str, cidr: str, label: str, broadcast: str | None) -> object:
        self.added.append(cidr)
        raise AssertionError("added after the caller's timeout")

    def remove(self, ifname: str, cidr: str) -> object:
        raise AssertionError("not called")


def test_in_process_timeout_leaves_no_worker_and_never_adds_the_address_later(
    tmp_path: Path,
) -> None:
    """The worker is stuck in a kernel call when the timeout passes; once that call
    returns, the worker ends without touching the kernel again, and run() reports the
    timeout only then: no thread is left running, no address appears afterwards."""
    from ha_agents.agents.ipaddr.inprocess import InProcessRunner

    stuck = StuckNetlink()
    r = InProcessRunner(
        AsyncScriptRunner(), agent_dirs=(str(tmp_path),), manager=lambda: stuck, grace=5.0
    )
    argv = [str(tmp_path / "IPaddr"), "192.0.2.50/24/eth0", "start"]

    async def scenario() -> RunResult:
        task = asyncio.ensure_future(r.run(argv, ENV, 0.2))
        # the call is stuck past the timeout, then the kernel answers
        await asyncio.to_thread(stuck.entered.wait, 5)
        await asyncio.sleep(0.4)
        assert not task.done()  # still waiting for the worker to end
        stuck.release.set()
        return await task

    before = {t.ident for t in threading.enumerate()}
    res = asyncio.run(scenario())
    assert res.timed_out and res.error is None
    assert stuck.added == []
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert [t.name for t in left if t.name == "ha-agents-ipaddr"] == []


def test_runner_keeps_draining_for_a_daemon_that_writes_to_the_inherited_stdout(
    tmp_path: Path,
) -> None:
    done = tmp_path / "survived"
    s = script(
        tmp_path,
        f"(i=0; while [ $i -lt 8 ]; do echo tick; i=$((i+1)); sleep 0.1; done; touch {done}) &\n"
        "echo started\n",
    )

    async def scenario() -> tuple[RunResult, int]:
        runner = AsyncScriptRunner()
        res = await runner.run([s, "start"], ENV, 5)
        held = runner.draining
        for _ in range(40):  # bounded: 4 s
            if done.exists() and runner.draining == 0:
                break
            await asyncio.sleep(0.1)
        await runner.aclose()
        return res, held

    res, held = asyncio.run(scenario())
    assert res.rc == 0 and res.stdout.startswith("started\n")
    assert held == 2
    assert done.exists(), "the daemon died writing to its stdout after the script exited"
