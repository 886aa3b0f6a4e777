"""What an agent's actions return or raise: typed results, never exit codes.

``monitor`` returns :class:`Running` or :class:`Stopped`; any action may raise an
:class:`AgentError` subclass.  The SDK turns these into the exit codes and output of
whichever calling convention (OCF, LSB, heartbeat-class) invoked the agent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Running:
    """The resource is running and healthy.  ``detail`` is logged (e.g. ``"pid 1234"``)."""

    detail: str = ""


@dataclass(frozen=True, slots=True)
class Stopped:
    """The resource is cleanly stopped.

    ``dead=True`` means it died and left traces behind (a stale pid file): LSB ``status``
    then exits 1 ("dead but pid file exists"), and ``stop`` still runs to clean up.
    """

    detail: str = ""
    dead: bool = False


Status = Running | Stopped


class ErrorKind(enum.Enum):
    """The failure kinds shared by OCF and LSB (their codes 1-7 agree)."""

    GENERIC = 1
    INVALID_ARGS = 2
    UNIMPLEMENTED = 3
    PERMISSION = 4
    NOT_INSTALLED = 5
    NOT_CONFIGURED = 6


class AgentError(Exception):
    """An action failed.  Raise a subclass; the message is logged and shown to the caller."""

    kind: ErrorKind = ErrorKind.GENERIC

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GenericError(AgentError):
    """Something went wrong (OCF_ERR_GENERIC, exit 1)."""

    kind = ErrorKind.GENERIC


class InvalidArgs(AgentError):
    """A parameter has a bad value (OCF_ERR_ARGS, exit 2)."""

    kind = ErrorKind.INVALID_ARGS


class Unimplemented(AgentError):
    """The action is not implemented (OCF_ERR_UNIMPLEMENTED, exit 3)."""

    kind = ErrorKind.UNIMPLEMENTED


class PermissionDenied(AgentError):
    """Insufficient privilege (OCF_ERR_PERM, exit 4)."""

    kind = ErrorKind.PERMISSION


class NotInstalled(AgentError):
    """A program or file the agent needs is missing (OCF_ERR_INSTALLED, exit 5)."""

    kind = ErrorKind.NOT_INSTALLED


class NotConfigured(AgentError):
    """The configuration is incomplete or inconsistent (OCF_ERR_CONFIGURED, exit 6)."""

    kind = ErrorKind.NOT_CONFIGURED
