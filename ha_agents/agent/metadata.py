"""OCF meta-data XML generated from an Agent class (valid against ra-api-1.dtd)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ha_agents.agent.base import Agent
from ha_agents.agent.params import AnyParam, Boolean, Integer, String

HEADER = '<?xml version="1.0"?>\n<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">\n'


def _text(parent: ET.Element, tag: str, text: str, lang: bool = True) -> None:
    el = ET.SubElement(parent, tag, {"lang": "en"} if lang else {})
    el.text = text


def _param(parent: ET.Element, param: AnyParam) -> None:
    el = ET.SubElement(
        parent,
        "parameter",
        {
            "name": param.name,
            "required": "1" if param.required else "0",
            "unique": "1" if param.unique else "0",
        },
    )
    _text(el, "longdesc", param.description or param.name)
    _text(el, "shortdesc", param.shortdesc or param.name)
    content = {"type": param.ocf_type}
    if param.default is not None:
        content["default"] = _render_default(param)
    ET.SubElement(el, "content", content)


def _render_default(param: AnyParam) -> str:
    if isinstance(param, String) and param.default is not None:
        return param.render(param.default)
    if isinstance(param, Integer) and param.default is not None:
        return param.render(param.default)
    if isinstance(param, Boolean) and param.default is not None:
        return param.render(param.default)
    return ""


def _action(parent: ET.Element, name: str, timeout: int, **extra: str) -> None:
    ET.SubElement(parent, "action", {"name": name, "timeout": f"{timeout}s", **extra})


def meta_data(agent: type[Agent]) -> str:
    """The meta-data document for ``agent`` (what ``AGENT meta-data`` prints)."""
    root = ET.Element("resource-agent", {"name": agent.agent_name(), "version": agent.version})
    _text(root, "version", "1.0", lang=False)
    _text(root, "longdesc", agent.description())
    _text(root, "shortdesc", agent.shortdesc or agent.agent_name())
    params = ET.SubElement(root, "parameters")
    for param in agent.parameters():
        _param(params, param)
    actions = ET.SubElement(root, "actions")
    _action(actions, "start", agent.timeout("start"))
    _action(actions, "stop", agent.timeout("stop"))
    for depth in agent.monitor_depths:
        _action(
            actions,
            "monitor",
            agent.timeout("monitor"),
            interval=f"{agent.monitor_interval}s",
            depth=str(depth),
        )
    if agent.implements_reload():
        _action(actions, "reload", agent.timeout("reload"))
    _action(actions, "meta-data", agent.timeout("meta-data"))
    _action(actions, "validate-all", agent.timeout("validate-all"))
    ET.indent(root, space="  ")
    return HEADER + ET.tostring(root, encoding="unicode") + "\n"
