"""Drive an agent file the way each caller does; used by our tests and generated ones.

>>> check_lifecycle(Path("myagent"), Convention.OCF, {"state_dir": "/tmp/s"})

Every call runs the agent as a real process (argv + environment like Pacemaker,
Heartbeat or init would build them) with a deadline.  Failures raise AssertionError
with the transcript of every call so far.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ha_agents.agent.conventions import Convention
from ha_agents.agent.install import install_agent
from ha_agents.agent.proc import CommandResult, run_command

__all__ = [
    "DTD",
    "OCF_TESTER",
    "Convention",
    "check_lifecycle",
    "check_meta_data",
    "invoke",
    "run_ocf_tester",
]

DTD = "/usr/share/resource-agents/ra-api-1.dtd"
OCF_TESTER = "/usr/sbin/ocf-tester"
OCF_ROOT = "/usr/lib/ocf"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without OCF_*/HA_* variables (so detection is ours)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OCF_", "HA_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update(extra or {})
    return env


def invoke(
    agent: Path,
    convention: Convention,
    action: str,
    params: Mapping[str, str] | None = None,
    *,
    args: Sequence[str] | None = None,
    instance: str = "test1",
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    prefix: Sequence[str] = (),
) -> CommandResult:
    """Run ``agent action`` as ``convention`` with ``params``.

    ``prefix`` goes before the command (e.g. ``ip netns exec NS`` to run it in a
    network namespace).

    * OCF: ``OCF_ROOT``, ``OCF_RESOURCE_INSTANCE=instance``, ``OCF_RESKEY_<k>=<v>``.
    * heartbeat-class: ``agent ARGS... action`` — ``args`` if given, else ``k=v`` words.
    * LSB: ``agent action`` with the params in a defaults file (``HA_AGENT_DEFAULTS``)
      written to ``workdir``.
    """
    values = dict(params or {})
    extra = dict(env or {})
    if convention is Convention.OCF:
        extra |= {"OCF_ROOT": OCF_ROOT, "OCF_RESOURCE_INSTANCE": instance}
        extra |= {f"OCF_RESKEY_{k}": v for k, v in values.items()}
        argv = [str(agent), action]
    elif convention is Convention.HEARTBEAT:
        words = list(args) if args is not None else [f"{k}={v}" for k, v in values.items()]
        argv = [str(agent), *words, action]
        if not words:
            extra.setdefault("HA_RESOURCEDIR", str(agent.parent))
    else:
        base = workdir or Path(tempfile.gettempdir())
        defaults = base / f"{agent.name}.defaults"
        defaults.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        extra["HA_AGENT_DEFAULTS"] = str(defaults)
        argv = [str(agent), action]
    return run_command([*prefix, *argv], timeout, env=clean_env(extra))


def _expect_status(convention: Convention, result: CommandResult, running: bool) -> bool:
    if convention is Convention.OCF:
        return result.rc == (0 if running else 7)
    if convention is Convention.HEARTBEAT:
        word = "running" if running else "stopped"
        return result.stdout.strip() == word and result.rc == (0 if running else 3)
    return result.rc == (0 if running else 3)


def _lifecycle(convention: Convention) -> list[tuple[str, bool | None]]:
    """The calls of a lifecycle check: (action, expected running state or None)."""
    status = "monitor" if convention is Convention.OCF else "status"
    steps: list[tuple[str, bool | None]] = [
        ("stop", None),
        (status, False),
        ("start", None),
        (status, True),
        ("start", None),
        (status, True),
    ]
    if convention is Convention.LSB:
        steps += [("restart", None), (status, True)]
    return [*steps, ("stop", None), (status, False), ("stop", None), (status, False)]


def check_lifecycle(
    agent: Path,
    convention: Convention,
    params: Mapping[str, str] | None = None,
    *,
    args: Sequence[str] | None = None,
    workdir: Path | None = None,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> list[str]:
    """stop, status, start, status, start again, restart (LSB), stop, status, stop again.

    Asserts the exit code (and for heartbeat-class the ``running``/``stopped`` text) of
    each step; returns the transcript (one line per call).
    """
    transcript: list[str] = []

    def call(action: str) -> CommandResult:
        res = invoke(
            agent,
            convention,
            action,
            params,
            args=args,
            workdir=workdir,
            timeout=timeout,
            env=env,
            prefix=prefix,
        )
        transcript.append(
            f"[{convention.value}] {action}: rc={res.rc} stdout={res.stdout.strip()!r}"
            f" stderr={res.stderr.strip()!r}"
        )
        return res

    def fail(what: str) -> AssertionError:
        return AssertionError(
            f"{agent.name} ({convention.value}): {what}\n" + "\n".join(transcript)
        )

    for action, running in _lifecycle(convention):
        res = call(action)
        if running is None:
            if res.rc != 0:
                raise fail(f"{action} exited {res.rc}, expected 0")
        elif not _expect_status(convention, res, running):
            raise fail(f"{action} should report {'running' if running else 'stopped'}")
    return transcript


def check_meta_data(agent: Path, dtd: str = DTD) -> CommandResult:
    """``agent meta-data`` validated by ``xmllint --dtdvalid``; returns xmllint's result."""
    meta = invoke(agent, Convention.OCF, "meta-data")
    if meta.rc != 0:
        raise AssertionError(f"meta-data exited {meta.rc}: {meta.stderr}")
    result = run_command(
        ["xmllint", "--noout", "--dtdvalid", dtd, "-"],
        30,
        input_text=meta.stdout,
        cwd=os.path.dirname(dtd) or None,
    )
    if result.rc != 0:
        raise AssertionError(f"meta-data does not validate against {dtd}:\n{result.stderr}")
    return result


def _world_executable(path: str) -> bool:
    """True if user nobody could execute ``path`` (o+x on it and every parent dir)."""
    real = Path(os.path.realpath(path))
    try:
        return all(p.stat().st_mode & 0o001 for p in (real, *real.parents))
    except OSError:
        return False


def python_for_nobody() -> tuple[str, dict[str, str]]:
    """An interpreter user nobody can run with ha_agents importable, and the env it needs.

    This interpreter when nobody can run it; else the system ``/usr/bin/python3`` with
    ``PYTHONPATH`` naming the directory holding ha_agents (the SDK needs only the
    standard library).
    """
    if _world_executable(sys.executable):
        return sys.executable, {}
    package_parent = str(Path(__file__).resolve().parents[2])
    return "/usr/bin/python3", {"PYTHONPATH": package_parent}


def run_ocf_tester(
    agent: Path,
    params: Mapping[str, str],
    name: str = "test1",
    python: str = "",
    timeout: float = 180.0,
) -> CommandResult:
    """Run resource-agents' ocf-tester on a copy of ``agent`` in a world-readable dir.

    ocf-tester runs ``meta-data`` as user nobody, so the copy lives in a 0755 temp dir
    and names an interpreter nobody can run (:func:`python_for_nobody`).
    """
    tmp = Path(tempfile.mkdtemp(prefix="ha-agent-ocftest-"))
    try:
        tmp.chmod(0o755)
        interpreter, extra = (python, {}) if python else python_for_nobody()
        copy = install_agent(agent, tmp, interpreter)
        argv = [OCF_TESTER, "-n", name]
        for key, value in params.items():
            argv += ["-o", f"{key}={value}"]
        argv.append(str(copy))
        return run_command(argv, timeout, env=clean_env({"OCF_ROOT": OCF_ROOT, **extra}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
