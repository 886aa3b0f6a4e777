"""EDGE: the script runner the failover executor uses, built for the configuration.

Scripts run as child processes (resources/runner.py), except two kinds of IPaddr that
run inside the daemon, each imported only when haresources uses it (a module imported
stays resident; the daemon's memory is the sum of what it imported):

* the stock ``resource.d/IPaddr``/``IPaddr2`` of the heartbeat package (recognised by
  content; agents/ipaddr/stock.py), unless failover.cf says ``stock_ipaddr script``;
  its modules are imported at start-up, so a takeover imports nothing;
* our own IPaddr (agents/ipaddr/inprocess.py, through the agent SDK).
"""

from __future__ import annotations

from ha_agents.config.failovercf import FailoverOptions
from ha_agents.config.model import ClusterConfig
from ha_agents.config.search import Where
from ha_agents.resources.agents import Agent, SearchPaths, resolve
from ha_agents.resources.runner import AsyncScriptRunner, ScriptRunner


def _agents(config: ClusterConfig) -> list[Agent]:
    paths = SearchPaths(config_dir=config.config_dir)
    found = (resolve(spec, paths) for group in config.groups for spec in group.resources)
    return [a for a in found if isinstance(a, Agent)]


def build_runner(config: ClusterConfig, options: FailoverOptions) -> ScriptRunner:
    runner: ScriptRunner = AsyncScriptRunner()
    agents = _agents(config)
    if any(a.where is Where.OURS and a.name == "IPaddr" for a in agents):
        from ha_agents.agents.ipaddr.inprocess import InProcessRunner

        runner = InProcessRunner(runner)
    if options.stock_ipaddr == "inprocess":
        from ha_agents.agents.ipaddr.stock import StockIPaddrRunner, stock_kind

        if any(stock_kind(a.script) for a in agents):
            runner = StockIPaddrRunner(runner)
    return runner
