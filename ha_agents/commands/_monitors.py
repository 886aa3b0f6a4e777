"""``check``'s view of failover.cf: its diagnostics (HF6xx), its ``monitor`` lines bound to
haresources, and each monitored resource's check run once here and timed, as the daemon
runs it (same search, environment and runner; killed at the monitor's timeout).  The
check is a status/monitor call: it changes nothing.  Not measured with ``--remote``."""

from __future__ import annotations

import asyncio
import os
import sys

from ha_agents.agents.ipaddr.inprocess import InProcessRunner
from ha_agents.config.diagnostics import Diagnostic, warning
from ha_agents.config.failovercf import load_options
from ha_agents.config.model import ClusterConfig
from ha_agents.config.monitorcf import Monitored, bind, timing
from ha_agents.resources import env as script_env
from ha_agents.resources.agents import Agent, AgentClass, SearchPaths, resolve
from ha_agents.resources.cli_support import script_cwd
from ha_agents.resources.group import GroupRunner, Timeouts
from ha_agents.resources.outcome import Operation, Status
from ha_agents.resources.runner import AsyncScriptRunner


def monitor_diagnostics(config_dir: str, cfg: ClusterConfig, measure: bool) -> list[Diagnostic]:
    options, diags = load_options(config_dir)
    bound, problems = bind(options.monitors, cfg.groups)
    diags += problems
    paths = SearchPaths(config_dir=os.path.abspath(config_dir))
    env = script_env.build(os.environ, script_env.from_cluster(cfg, python=sys.executable))
    for m in bound:
        agent = _agent(cfg, m, paths)
        if agent is None:
            continue  # HR290 already says it does not resolve here
        loc = m.spec.loc
        if m.spec.depth is not None and agent.cls is not AgentClass.OCF:
            text = (
                f"monitor {m.spec.target!r}: depth (OCF_CHECK_LEVEL) only reaches OCF agents; "
                f"{m.resource!r} is {agent.cls.value} class"
            )
            diags.append(warning(loc.path, loc.line, "HF608", text))
        if measure:
            diags.append(asyncio.run(_measure(agent, m, env)))
    return diags


def _agent(cfg: ClusterConfig, m: Monitored, paths: SearchPaths) -> Agent | None:
    group = next((g for g in cfg.groups if g.key == m.group), None)
    if group is None:
        return None
    found = resolve(group.resources[m.index], paths)
    return found if isinstance(found, Agent) else None


async def _measure(agent: Agent, m: Monitored, env: dict[str, str]) -> Diagnostic:
    runner = GroupRunner(
        InProcessRunner(AsyncScriptRunner()),
        {**env, **({"OCF_CHECK_LEVEL": str(m.spec.depth)} if m.spec.depth is not None else {})},
        sleep=asyncio.sleep,
        timeouts=Timeouts(status=m.spec.timeout_s),
        cwd=script_cwd(),
    )
    step = await runner.run_op(agent, Operation.STATUS)
    failed = step.outcome.status in (None, Status.FAILED)
    said = step.outcome.reason if failed else str(step.outcome.status and step.outcome.status.value)
    return timing(m, step.result.duration, step.result.timed_out, said, failed)
