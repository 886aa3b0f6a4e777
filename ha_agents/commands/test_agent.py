"""`ha-agents test-agent SPEC`: start → status → start → stop → status → stop, checked.

Like ocf-tester, but for heartbeat-class scripts, LSB init scripts and OCF agents alike.
Exit 0 when every check passed, 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import xml.etree.ElementTree as ET

from ha_agents.commands import _addrguard
from ha_agents.resources.agents import (
    Agent,
    AgentClass,
    ResolveError,
    SearchPaths,
    resolve,
    spec_from_text,
)
from ha_agents.resources.cli_support import base_env, run_cwd
from ha_agents.resources.group import Timeouts
from ha_agents.resources.runner import AsyncScriptRunner
from ha_agents.resources.testagent import Check, run_checks


def junit_xml(spec: str, agent_class: str, checks: list[Check]) -> bytes:
    failures = sum(not c.ok for c in checks)
    suite = ET.Element(
        "testsuite",
        name=f"ha-agents test-agent {spec}",
        tests=str(len(checks)),
        failures=str(failures),
        errors="0",
        time=f"{sum(c.duration for c in checks):.4f}",
    )
    for c in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{agent_class}.{spec}",
            name=c.name,
            time=f"{c.duration:.4f}",
        )
        if not c.ok:
            fail = ET.SubElement(case, "failure", message=f"expected {c.expected}, got {c.got}")
            fail.text = f"argv: {' '.join(c.argv)}\nstdout:\n{c.stdout}\nstderr:\n{c.stderr}"
        out = ET.SubElement(case, "system-out")
        out.text = c.stdout
    data: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return data


def _agent(args: argparse.Namespace) -> Agent | int:
    """The agent SPEC names (the search ``run`` does, or a path), else an exit code."""
    spec = spec_from_text(args.spec)
    if isinstance(spec, ResolveError):
        print(f"ha-agents test-agent: {spec}", file=sys.stderr)
        return 2
    force = AgentClass(args.agent_class) if args.agent_class else None
    paths = SearchPaths(config_dir=args.config_dir, python=sys.executable, allow_path=True)
    agent = resolve(spec, paths, force=force)
    if isinstance(agent, ResolveError):
        print(f"ha-agents test-agent: {agent}", file=sys.stderr)
        return 1
    return agent


def _run(args: argparse.Namespace) -> int:
    agent = _agent(args)
    if isinstance(agent, int):
        return agent
    if not 0 < args.timeout <= 3600:
        print("ha-agents test-agent: --timeout must be between 0 and 3600 s", file=sys.stderr)
        return 2
    refused = _addrguard.refusal(agent, args.yes)
    if refused is not None:
        print(f"ha-agents test-agent: {refused}", file=sys.stderr)
        return 1
    t = args.timeout
    checks = asyncio.run(
        run_checks(
            agent,
            AsyncScriptRunner(),
            base_env(args.config_dir),
            Timeouts(start=t, stop=t, status=t, other=t),
            run_cwd([agent]),
        )
    )
    ok = all(c.ok for c in checks)
    if args.junit:
        try:
            with open(args.junit, "wb") as f:
                f.write(junit_xml(agent.spec, agent.cls.value, checks))
        except OSError as exc:
            print(f"ha-agents test-agent: cannot write {args.junit}: {exc}", file=sys.stderr)
            return 1
    if args.json:
        doc = {
            "spec": agent.spec,
            "class": agent.cls.value,
            "script": agent.script,
            "ok": ok,
            "checks": [
                {
                    "name": c.name,
                    "argv": list(c.argv),
                    "ok": c.ok,
                    "expected": c.expected,
                    "got": c.got,
                    "duration_s": round(c.duration, 4),
                }
                for c in checks
            ],
        }
        print(json.dumps(doc, indent=2))
    else:
        print(f"{agent.spec}: {agent.cls.value} agent {agent.script}")
        for c in checks:
            mark = "PASS" if c.ok else "FAIL"
            line = f"  {mark} {c.name:<26} {c.duration * 1000:8.1f} ms  {c.got}"
            if not c.ok:
                line += f" (expected {c.expected})"
            print(line)
        passed = sum(c.ok for c in checks)
        print(f"{passed}/{len(checks)} checks passed")
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "test-agent",
        help="run a resource agent through start/status/stop and check its exit codes",
        description=__doc__.split("\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("spec", metavar="SPEC", help="e.g. IPaddr::192.0.2.50/24 or ocf:heartbeat:Dummy")
    p.add_argument(
        "--class",
        dest="agent_class",
        choices=[c.value for c in AgentClass],
        help="force the calling convention (SPEC's name may then be a path)",
    )
    p.add_argument("--config-dir", default="/etc/ha.d", help="default: /etc/ha.d")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per call (default 60)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument(
        "--yes",
        action="store_true",
        help="an address agent (IPaddr...) may add its address to this machine: needed "
        "outside a network namespace of its own; an address already here is always refused",
    )
    p.set_defaults(func=_run)
