"""The plug-in ``ha-agents run`` loads (commands/run.py ``UPPER_PLUGIN``).

Only a pointer: the decisions live in this package (pure), the I/O that carries them out
in ``ha_agents.failover_io`` (edge).
"""

from __future__ import annotations

from ha_agents.failover_io.plugin import create

__all__ = ["create"]
