"""`ha-agents new-agent NAME`: write a commented, working agent and its pytest test."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ha_agents.agent.scaffold import NAME_RE, agent_source, agent_test_file_name, agent_test_source


def _write(path: Path, text: str, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    os.replace(tmp, path)


def _new_agent(args: argparse.Namespace) -> int:
    name: str = args.name
    if not NAME_RE.match(name):
        print(
            f"ha-agents new-agent: invalid name {name!r}: use a letter, then letters, "
            "digits, '-' or '_' (at most 63)",
            file=sys.stderr,
        )
        return 2
    directory = Path(args.dir)
    agent = directory / name
    test = directory / agent_test_file_name(name)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path in (agent, test):
            if path.exists() and not args.force:
                print(f"ha-agents new-agent: {path} exists (--force overwrites)", file=sys.stderr)
                return 1
        python = args.python or sys.executable
        _write(agent, agent_source(name, python), 0o755)
        _write(test, agent_test_source(name), 0o644)
    except OSError as exc:
        print(f"ha-agents new-agent: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {agent}")
    print(f"wrote {test}")
    for what, path in (("the Python of its first line", Path(python)), ("the agent", agent)):
        closed = closed_to_others(path)
        if closed is not None:
            print(
                f"ha-agents new-agent: warning: {what}, {path}, is inside {closed} (mode "
                f"{closed.stat().st_mode & 0o777:04o}), which other users cannot enter: "
                "ocf-tester and Pacemaker run meta-data as user nobody and will fail.  Keep "
                "the agent and its Python (--python) where everyone can read them (chmod o+x "
                "the directories, or a venv under /opt)",
                file=sys.stderr,
            )
    print(f"next: {python} -m pytest {test}")
    return 0


def closed_to_others(path: Path) -> Path | None:
    """The first directory on the way to ``path`` (or to the file a symlink names) that
    other users may not enter (no o+x), else None."""
    for candidate in (path.absolute(), path.resolve()):
        for directory in reversed(candidate.parents):
            try:
                if not directory.stat().st_mode & 0o001:
                    return directory
            except OSError:
                return directory
    return None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "new-agent",
        help="write a starting resource agent (OCF, LSB and heartbeat-class) and its test",
        description="Write DIR/NAME, a commented agent built on ha_agents.agent that manages "
        "a state file (so it passes its tests and ocf-tester as generated), and "
        "DIR/test_NAME.py.  See docs/agents.md.",
    )
    p.add_argument("name", metavar="NAME", help="agent name (file name, OCF type)")
    p.add_argument("--dir", default=".", help="directory to write into (default: .)")
    p.add_argument(
        "--python",
        default=None,
        help="interpreter for the shebang (default: this one, which has ha_agents)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(func=_new_agent)
