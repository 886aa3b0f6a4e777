"""`ha-agents resource start|stop|status GROUP|SPEC`: run a group or one resource by hand.

GROUP is a haresources group key (its first resource, e.g. ``192.0.2.50``) or a node name
(all groups whose home is that node); anything else is a single resource SPEC
(``IPaddr::192.0.2.50/24/eth0``, ``ocf:heartbeat:Dummy::state=/tmp/d``, ``httpd``).
Exit: 0 ok (status: running), 1 failure, 2 usage, 3 status: not running.

SPEC forms (as in haresources):
  NAME[::ARG...]              CONFIG_DIR/resource.d/NAME (heartbeat class), then
                              /etc/init.d/NAME (LSB), then ha_agents' own agents, as
                              `check` reports; called NAME ARG... start|stop|status
  a.b.c.d[/bits[/nic[/bc]]]   shorthand for IPaddr::a.b.c.d...
  ocf:PROVIDER:AGENT[::NAME=VALUE...]
                              OCF agent OCF_ROOT/resource.d/PROVIDER/AGENT with
                              OCF_RESKEY_NAME=VALUE (VALUE taken literally, may hold "=");
                              status is asked as monitor (0 running, 7 stopped)
  OCF::AGENT::INSTANCE        Heartbeat's form: parameters from
                              CONFIG_DIR/conf/OCF/AGENT/INSTANCE (NAME=VALUE lines, parsed,
                              never run by a shell); status as monitor
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ha_agents.agents.ipaddr.inprocess import InProcessRunner
from ha_agents.config.model import ResourceSpec
from ha_agents.resources.agents import Agent, ResolveError, SearchPaths, resolve, spec_from_text
from ha_agents.resources.cli_support import base_env, read_groups, run_cwd
from ha_agents.resources.env import stop_retry_max
from ha_agents.resources.group import GroupResult, GroupRunner, GroupState, LogLine, Timeouts
from ha_agents.resources.runner import AsyncScriptRunner


def _specs(target: str, config_dir: str) -> tuple[list[ResourceSpec], str | None]:
    groups, _problems = read_groups(config_dir)
    for g in groups:
        if g.key == target:
            return list(g.resources), None
    mine = [r for g in groups if g.node == target.lower() for r in g.resources]
    if mine:
        return mine, None
    spec = spec_from_text(target)
    if isinstance(spec, ResolveError):
        return [], str(spec)
    return [spec], None


def _print_log(line: LogLine) -> None:
    if line.level == "debug":
        return
    print(f"{line.level.upper()}: {line.message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 86400:
        print("ha-agents resource: --timeout must be between 0 and 86400 s", file=sys.stderr)
        return 2
    specs, err = _specs(args.target, args.config_dir)
    if err:
        print(f"ha-agents resource: {err}", file=sys.stderr)
        return 2
    paths = SearchPaths(config_dir=args.config_dir, python=sys.executable, allow_path=True)
    agents: list[Agent] = []
    for spec in specs:
        a = resolve(spec, paths)
        if isinstance(a, ResolveError):
            print(f"ERROR: {a}", file=sys.stderr)
            return 1
        agents.append(a)
    env = base_env(args.config_dir)
    t = args.timeout
    group = GroupRunner(
        InProcessRunner(AsyncScriptRunner()),
        env,
        sleep=asyncio.sleep,
        timeouts=Timeouts(start=t, stop=t, status=min(t, 60.0)),
        stop_retry_max=stop_retry_max(env),
        log=None if args.json else _print_log,
        cwd=run_cwd(agents),
    )
    op = {"start": group.acquire, "stop": group.release, "status": group.status}[args.op]
    result: GroupResult = asyncio.run(op(agents))
    if args.json:
        print(json.dumps(_as_json(result), indent=2))
    else:
        for step in result.steps:
            if step.op.value == "status":
                print(
                    f"{step.resource}: {step.outcome.status.value if step.outcome.status else '?'}"
                    f" ({step.outcome.reason})"
                )
        print(f"{args.op} {args.target}: {result.state.value} - {result.reason}")
    if args.op == "status" and result.ok:
        return 0 if result.state is GroupState.RUNNING else 3
    return 0 if result.ok else 1


def _as_json(r: GroupResult) -> dict[str, object]:
    return {
        "ok": r.ok,
        "state": r.state.value,
        "reason": r.reason,
        "failed": r.failed,
        "reboot_required": r.reboot_required,
        "steps": [
            {
                "resource": s.resource,
                "op": s.op.value,
                "argv": list(s.argv),
                "rc": s.result.rc,
                "ok": s.ok,
                "status": s.outcome.status.value if s.outcome.status else None,
                "reason": s.outcome.reason,
                "timed_out": s.result.timed_out,
                "duration_s": round(s.result.duration, 4),
            }
            for s in r.steps
        ],
        "log": [{"level": line.level, "message": line.message} for line in r.log],
    }


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "resource",
        help="start, stop or check a resource group or a single resource by hand",
        description=__doc__.split("\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("op", choices=["start", "stop", "status"])
    p.add_argument("target", metavar="GROUP|SPEC")
    p.add_argument("--config-dir", default="/etc/ha.d", help="default: /etc/ha.d")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per script call")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run)
