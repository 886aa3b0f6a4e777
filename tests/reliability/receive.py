"""The daemon's real receive path, in-process: a ``Daemon`` (as ``ha-agents run`` builds
it) whose datagram callback we call directly.

``Daemon._datagram`` is what every medium calls: ``Node.datagram`` (decode + strict
verify, then the membership engine and the failover manager).
Nothing is sent (no media are opened) and no resource is touched: the executor only
records what it was asked to do.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.daemon.logsetup import HbLog
from ha_agents.daemon.loop import Daemon, Paths
from ha_agents.daemon.operations import OpsOptions
from ha_agents.wire.errors import WireError
from tests.lab.cluster import AUTH_KEY, ClusterSpec

NODES = {"node1": "192.0.2.11", "node2": "192.0.2.12"}


class RecordingExecutor:
    """The effect edge replaced by a recorder (fuzzing must not add addresses)."""

    def __init__(self) -> None:
        self.actions: list[object] = []

    def execute(self, action: object, feed: Callable[[object], None]) -> None:
        if len(self.actions) < 10000:
            self.actions.append(action)

    def reload_groups(self, config: object) -> None:
        return None

    def last_added(self) -> tuple[str, float] | None:
        return None

    async def close(self) -> None:
        return None


class ReceivePath:
    """node1 of a two-node cluster (sha1, index 1), started, listening to nothing."""

    def __init__(self, root: Path | None = None, extra_keys: Iterable[AuthKey] = ()) -> None:
        self._tmp = None if root is not None else tempfile.TemporaryDirectory(prefix="harel-")
        self.root = root or Path(self._tmp.name)  # type: ignore[union-attr]
        spec = ClusterSpec(NODES)
        config = spec.config("node1", str(self.root / "etc"))
        keys = dict(config.authkeys.keys)
        for k in extra_keys:
            keys[k.index] = k
        loc = Location("authkeys", 1)
        config = type(config)(
            config.config_dir, config.hacf, AuthKeys(1, keys, loc), config.groups, "node1"
        )
        self.key = keys[1]
        self.log = HbLog("node1", str(self.root / "ha-log"))
        self.executor = RecordingExecutor()
        self.daemon = Daemon(
            config,
            Paths(self.root / "state", self.root / "run"),
            self.log,
            OpsOptions(str(self.root / "etc")),
            executor=self.executor,
        )
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        d = self.daemon
        d.node = d._prepare()
        d.links = []
        d._dispatch(d.node.start(asyncio.get_running_loop().time()))

    def feed(self, datagrams: Iterable[bytes], source: str = "192.0.2.12") -> None:
        """Hand datagrams to the daemon exactly as a UDP medium does.  Any exception
        (other than the wire layer's own, which the daemon must catch) propagates."""

        async def run() -> None:
            cb = self.daemon._datagram
            for data in datagrams:
                cb(data, "eth0", source)

        self.loop.run_until_complete(run())

    def status(self) -> dict[str, Any]:
        async def doc() -> dict[str, Any]:
            return self.daemon.status_document()

        return self.loop.run_until_complete(doc())

    def dropped(self) -> dict[str, int]:
        return dict(self.status()["dropped"])

    def classify(self, data: bytes) -> str | None:
        """What the wire layer says about ``data``: a reject reason, or None (accepted)."""
        assert self.daemon.node is not None
        try:
            self.daemon.node.outbound.auth.open(data)
        except WireError as exc:
            return exc.reason
        return None

    def close(self) -> None:
        self.loop.close()
        self.log.close()
        if self._tmp is not None:
            self._tmp.cleanup()


def lab_key() -> AuthKey:
    return AuthKey(1, AuthMethod.SHA1, AUTH_KEY.encode(), Location("authkeys", 2))
