"""EDGE: the OPT-IN reboot escalation for a resource that cannot be stopped.

Heartbeat reboots the machine (``/sbin/reboot -nf``, else ``/sbin/init 6``) when a stop
failed every retry and the resource still runs, so the peer can safely take it over.
ha_agents does the same only when the operator enabled it; :func:`make_reboot` builds the
callable that :class:`ha_agents.resources.group.GroupRunner` takes as ``reboot``.  Without
it the group is left FAILED and the log says so loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from ha_agents.resources.runner import ScriptRunner

log = logging.getLogger(__name__)

REBOOT_COMMANDS: tuple[tuple[str, ...], ...] = (("/sbin/reboot", "-nf"), ("/sbin/init", "6"))


def make_reboot(
    runner: ScriptRunner,
    env: dict[str, str],
    commands: Sequence[Sequence[str]] = REBOOT_COMMANDS,
    timeout: float = 30.0,
) -> Callable[[], Awaitable[None]]:
    """A callable that tries each command in turn until one exits 0."""

    async def reboot() -> None:
        for argv in commands:
            log.critical("Resource STOP failure: rebooting with %s event=reboot", " ".join(argv))
            res = await runner.run(list(argv), env, timeout)
            if res.rc == 0 and not res.timed_out:
                return
        log.critical("Unable to force reboot. event=reboot_failed")

    return reboot
