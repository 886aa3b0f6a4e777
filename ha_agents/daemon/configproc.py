"""EDGE: the daemon reads its configuration in a short-lived child process.

Parsing ha.cf, authkeys, haresources (and failover.cf's ``monitor`` lines) needs
pyparsing and the checks of config/load.py;
once the model is built the daemon never needs them again, yet a module once imported
stays resident (pyparsing alone is ~8 MB of a ~20 MB daemon).  So ``ha-agents run`` and a
reload run ``python -m ha_agents.daemon.configproc DIR NODE`` with this interpreter: the
child calls :func:`~ha_agents.config.load.load_config` and
:func:`~ha_agents.config.failovercf.load_options` and writes the pickled results to
stdout; the daemon keeps only the frozen models.  If the
child cannot be started, the files are read in this process instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ha_agents.config.diagnostics import Diagnostic, error
from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig

try:  # the C unpickler alone: pickle.py would stay resident for one call
    from _pickle import loads
except ImportError:  # pragma: no cover - CPython always has it
    from pickle import loads

Loaded = tuple[ClusterConfig | None, list[Diagnostic]]
#: ha.cf & co, then failover.cf: (config, its diagnostics, options, their diagnostics)
LoadedAll = tuple[ClusterConfig | None, list[Diagnostic], FailoverOptions, list[Diagnostic]]
TIMEOUT_S = 120.0
NONE = FailoverOptions()
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def load(config_dir: str, node: str | None) -> Loaded:
    """``load_config(config_dir, node)``, computed in a child process."""
    config, diags, _options, _problems = load_with_options(config_dir, node)
    return config, diags


def load_with_options(config_dir: str, node: str | None) -> LoadedAll:
    """``load_config(config_dir, node)`` and ``load_options(config_dir)``, in a child."""
    argv = [sys.executable, "-m", "ha_agents.daemon.configproc", config_dir, node or ""]
    paths = [PACKAGE_ROOT, *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return _in_process(config_dir, node)
    if proc.returncode == 0:
        try:
            config, diags, options, problems = loads(proc.stdout)
        except Exception as exc:  # a broken child: say so, as a diagnostic
            return None, [_failed(config_dir, f"unreadable answer ({exc!r})")], NONE, []
        return config, list(diags), options, list(problems)
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
    return None, [_failed(config_dir, f"exit {proc.returncode}: {detail[0]}")], NONE, []


def _failed(config_dir: str, why: str) -> Diagnostic:
    path = os.path.join(config_dir, "ha.cf")
    return error(path, 1, "HX498", f"configuration reader process failed: {why}")


def _in_process(config_dir: str, node: str | None) -> LoadedAll:
    from ha_agents.config.failovercf import load_options
    from ha_agents.config.load import load_config

    config, diags = load_config(config_dir, node)
    options, problems = load_options(config_dir)
    return config, diags, options, problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ha_agents.daemon.configproc CONFIG_DIR NODE", file=sys.stderr)
        return 2
    import pickle

    config_dir, node = argv
    result = _in_process(config_dir, node or None)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
