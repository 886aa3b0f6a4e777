"""The :class:`Agent` base class: declare a resource agent, implement its actions.

Subclass it, set the class attributes, declare parameters (``String``, ``Integer``,
``Boolean``) and implement ``start``, ``stop`` and ``monitor``; ``validate`` and
``reload`` are optional.  Actions return nothing (success), return a typed status
(``monitor``), or raise an :class:`~ha_agents.agent.AgentError` subclass.

The SDK guarantees around your methods (so you need not code them):

* ``start`` is only called when ``monitor`` says the resource is stopped, after
  ``validate``; afterwards ``monitor`` must say ``Running`` or the start fails.
* ``stop`` is not called when ``monitor`` says cleanly ``Stopped``; afterwards
  ``monitor`` must not say ``Running`` or the stop fails.
* parameters are parsed and checked before any action but ``meta-data``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ha_agents.agent.conventions import Convention
from ha_agents.agent.params import AnyParam, Boolean, Integer, String, Value
from ha_agents.agent.results import Status, Unimplemented

DEFAULT_TIMEOUTS: Mapping[str, int] = {
    "start": 20,
    "stop": 20,
    "monitor": 20,
    "reload": 20,
    "meta-data": 5,
    "validate-all": 20,
}


@dataclass(frozen=True, slots=True)
class Context:
    """Facts about this call, available to actions as attributes of the agent."""

    convention: Convention
    action: str
    instance: str
    log: logging.Logger
    probe: bool = False
    depth: int = 0


class Agent:
    """Base class of every SDK agent.  See the module documentation."""

    #: Agent name (meta-data, logs, instance name); defaults to the class name, lower case.
    name: ClassVar[str] = ""
    #: The agent's own version (meta-data ``version`` attribute).
    version: ClassVar[str] = "1.0"
    #: One line for ``crm ra list``-style listings.
    shortdesc: ClassVar[str] = ""
    #: Paragraphs for the meta-data ``longdesc``; defaults to the class docstring.
    longdesc: ClassVar[str] = ""
    #: heartbeat-class argument order (``NAME::a::b``); ``None`` = declaration order.
    positional: ClassVar[tuple[str, ...] | None] = None
    #: Advertised timeouts (seconds) of the actions; also the budget start/stop may use.
    start_timeout: ClassVar[int] = DEFAULT_TIMEOUTS["start"]
    stop_timeout: ClassVar[int] = DEFAULT_TIMEOUTS["stop"]
    monitor_timeout: ClassVar[int] = DEFAULT_TIMEOUTS["monitor"]
    reload_timeout: ClassVar[int] = DEFAULT_TIMEOUTS["reload"]
    #: Advertised monitor interval (seconds) and the OCF_CHECK_LEVEL depths monitor knows.
    monitor_interval: ClassVar[int] = 10
    monitor_depths: ClassVar[tuple[int, ...]] = (0,)

    def __init__(self, values: Mapping[str, Value], context: Context) -> None:
        self._values = dict(values)
        self.context = context

    # --- what the agent implements ---------------------------------------------------
    def start(self) -> None:
        """Start the resource; return when it is up (``monitor`` will check)."""
        raise Unimplemented(f"{self.agent_name()} does not implement start")

    def stop(self) -> None:
        """Stop the resource; return when it is down.  Must tolerate a dead resource."""
        raise Unimplemented(f"{self.agent_name()} does not implement stop")

    def monitor(self, depth: int) -> Status:
        """Report ``Running()`` or ``Stopped()``; raise an AgentError when failed.

        ``depth`` is OCF_CHECK_LEVEL (0 = quick check, higher = deeper checks).
        """
        raise Unimplemented(f"{self.agent_name()} does not implement monitor")

    def validate(self) -> None:
        """Check the configuration (raise NotConfigured/InvalidArgs/NotInstalled)."""

    def reload(self) -> None:
        """Apply a new configuration without a restart (optional)."""
        raise Unimplemented(f"{self.agent_name()} does not implement reload")

    # --- facts for actions --------------------------------------------------------------
    @property
    def instance(self) -> str:
        """The resource instance name, safe to use in file names."""
        return self.context.instance

    @property
    def log(self) -> logging.Logger:
        """Logger that writes where the caller expects (HA log file, syslog, stderr)."""
        return self.context.log

    @property
    def convention(self) -> Convention:
        return self.context.convention

    @property
    def is_probe(self) -> bool:
        """True for Pacemaker's one-shot probe (monitor with interval 0)."""
        return self.context.probe

    # --- introspection used by the SDK ------------------------------------------------
    @classmethod
    def agent_name(cls) -> str:
        return cls.name or cls.__name__.lower()

    @classmethod
    def parameters(cls) -> tuple[AnyParam, ...]:
        """Declared parameters in declaration order (base classes first)."""
        seen: dict[str, AnyParam] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, String | Integer | Boolean):
                    seen.pop(attr, None)
                    seen[attr] = value
        return tuple(seen.values())

    @classmethod
    def positional_order(cls) -> tuple[str, ...]:
        names = tuple(p.name for p in cls.parameters())
        if cls.positional is None:
            return names
        unknown = [n for n in cls.positional if n not in names]
        if unknown:
            raise TypeError(f"{cls.__name__}.positional names unknown parameters: {unknown}")
        return cls.positional

    @classmethod
    def implements_reload(cls) -> bool:
        return cls.reload is not Agent.reload

    @classmethod
    def timeout(cls, action: str) -> int:
        """The advertised timeout of ``action`` in seconds."""
        value = getattr(cls, f"{action.replace('-', '_')}_timeout", None)
        return value if isinstance(value, int) else DEFAULT_TIMEOUTS.get(action, 20)

    @classmethod
    def description(cls) -> str:
        doc = cls.longdesc or (cls.__doc__ or "").strip()
        return doc or cls.shortdesc or cls.agent_name()
