"""Which file each haresources resource resolves to, as ``check`` reports it (HR290).

The same :func:`~ha_agents.resources.agents.resolve` the daemon runs at takeover, so a
note here is exactly what ``run`` will execute on this machine.
"""

from __future__ import annotations

from ha_agents.config import search
from ha_agents.config.diagnostics import Diagnostic, note
from ha_agents.config.model import ResourceGroup
from ha_agents.resources.agents import Agent, AgentClass, Finder, SearchPaths, resolve

_KIND = {AgentClass.OCF: "OCF agent", AgentClass.LSB: "LSB init script"}


def resolution_notes(
    groups: tuple[ResourceGroup, ...], paths: SearchPaths, finder: Finder | None = None
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for group in groups:
        for spec in group.resources:
            found = resolve(spec, paths, finder)
            if isinstance(found, Agent):
                text = f"'{spec.text}' runs {found.script} ({_describe(found)})"
            else:
                text = f"'{spec.text}' does not resolve here: {found.message}"
            out.append(note(spec.loc.path, spec.loc.line, "HR290", text))
    return out


def _describe(agent: Agent) -> str:
    if agent.cls in _KIND:
        return _KIND[agent.cls]
    if agent.where is not None:
        return search.Candidate(agent.script, agent.where).describe()
    return "heartbeat class"
