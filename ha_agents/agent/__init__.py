"""ha_agents agent SDK: write a resource agent once, run it as OCF, LSB and heartbeat-class.

A complete agent::

    #!/usr/bin/python3
    from ha_agents.agent import Agent, Integer, Running, Stopped, run, check_tcp

    class Echo(Agent):
        \"\"\"Keeps an echo server up.\"\"\"
        shortdesc = "echo server"
        port = Integer(default=7007, description="TCP port")

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def monitor(self, depth: int) -> Running | Stopped:
            return Running() if check_tcp("127.0.0.1", self.port) else Stopped()

    if __name__ == "__main__":
        run(Echo)

See docs/agents.md.  Everything imported here is the stable public API.
"""

from __future__ import annotations

from ha_agents.agent.base import Agent, Context
from ha_agents.agent.conventions import Convention
from ha_agents.agent.entry import main, run
from ha_agents.agent.metadata import meta_data
from ha_agents.agent.net import check_http, check_tcp, http_status, listening_ports, url_port
from ha_agents.agent.params import Boolean, Integer, String
from ha_agents.agent.pidfile import PidFile
from ha_agents.agent.proc import CommandResult, pid_alive, run_command, spawn_daemon, terminate
from ha_agents.agent.results import (
    AgentError,
    ErrorKind,
    GenericError,
    InvalidArgs,
    NotConfigured,
    NotInstalled,
    PermissionDenied,
    Running,
    Status,
    Stopped,
    Unimplemented,
)
from ha_agents.agent.wait import wait_until

__all__ = [
    "Agent",
    "AgentError",
    "Boolean",
    "CommandResult",
    "Context",
    "Convention",
    "ErrorKind",
    "GenericError",
    "Integer",
    "InvalidArgs",
    "NotConfigured",
    "NotInstalled",
    "PermissionDenied",
    "PidFile",
    "Running",
    "Status",
    "Stopped",
    "String",
    "Unimplemented",
    "check_http",
    "check_tcp",
    "http_status",
    "listening_ports",
    "main",
    "meta_data",
    "pid_alive",
    "run",
    "run_command",
    "spawn_daemon",
    "terminate",
    "url_port",
    "wait_until",
]
