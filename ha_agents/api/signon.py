"""The first message on a connection: ``reqtype=signon`` (docs/api.md, "Signon").  Pure.

Checks, in Heartbeat's order: a positive ``pid`` (and, stricter than Heartbeat, the
socket's own peer pid), a client id not already signed on, numeric ``uid``/``gid``
that are the socket's peer credentials, then apiauth.  Returns the verdict and the log
lines Heartbeat writes for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ha_agents.api.auth import Permit, authorize
from ha_agents.api.body import Fields, get
from ha_agents.notice import Level, Notice

CLIENT_ID_MAX = 32  # Heartbeat's client_id[32]


@dataclass(frozen=True, slots=True)
class Peer:
    """The connection's SO_PEERCRED."""

    uid: int
    gid: int
    pid: int


@dataclass(frozen=True, slots=True)
class Verdict:
    client_id: str
    casual: bool
    refused: str | None  # Heartbeat's removereason, None when signed on
    notices: tuple[Notice, ...] = ()


def _n(level: Level, text: str, reason: str) -> Notice:
    return Notice(level, text, (("event", "api_refused"), ("reason", reason)))


def _number(text: str | None) -> int | None:
    if text is None or not text.lstrip("-").isdigit() or len(text) > 12:
        return None
    return int(text)


def check_signon(
    msg: Fields,
    peer: Peer,
    table: Mapping[str, Permit],
    taken: Callable[[str], bool],
) -> Verdict:
    fromid, cpid = get(msg, "from_id"), get(msg, "pid")
    pid = _number(cpid) or 0
    client_id = (fromid if fromid is not None else str(pid))[:CLIENT_ID_MAX]
    casual = fromid is None or client_id == str(pid)
    if pid <= 0:
        note = f"api_add_client: bad pid [{pid}]"  # Heartbeat's words (hb_api.c)
        return _refuse(client_id, casual, pid, "cannot add client", note)
    if peer.pid > 0 and pid != peer.pid:
        note = f"PID mismatch: {pid} vs farside_pid: {peer.pid}"
        return _refuse(client_id, casual, pid, "pid mismatch", note, Level.INFO)
    if taken(client_id):
        note = f"duplicate client add request [{fromid}] [{cpid}]"
        return _refuse(client_id, casual, pid, "duplicate add request", note)
    uid, gid = _number(get(msg, "uid")), _number(get(msg, "gid"))
    if uid is None or gid is None:
        note = f"Client user/group id is incorrect [{get(msg, 'uid')}] [{get(msg, 'gid')}]"
        return _refuse(client_id, casual, pid, "invalid id info", note, Level.ERROR)
    if (uid, gid) != (peer.uid, peer.gid):
        return _refuse(client_id, casual, pid, "incorrect/false credentials", None)
    reason = authorize(table, client_id, casual, peer.uid, peer.gid)
    if reason is not None:
        note = f"Client [{client_id}] pid {pid} failed authorization [{reason}]"
        return _refuse(client_id, casual, pid, reason, note)
    return Verdict(client_id, casual, None)


def _refuse(
    client_id: str,
    casual: bool,
    pid: int,
    reason: str,
    note: str | None,
    level: Level = Level.WARN,
) -> Verdict:
    notices = [_n(level, note, reason)] if note else []
    notices.append(
        _n(
            Level.ERROR,
            f"api_process_registration_msg: cannot add client({client_id})",
            reason,
        )
    )
    return Verdict(client_id, casual, reason, tuple(notices))
