"""apiauth: who may sign on under which client name (docs/api.md, "apiauth").  Pure.

``apiauth NAME uid=U[,U] gid=G[,G]`` (ha.cf) lists the users and groups allowed to sign
on as client NAME; a client passes if its uid (from the socket's peer credentials) is
listed, or its primary gid is.  Casual clients (whose client id is their pid, e.g.
cl_status) are checked against the entry ``anon``; a named client without an entry of
its own against ``default``, and refused (``no default client auth``) when there is
none.  Heartbeat's built-in entries apply unless ha.cf has a line for that name:
ipfail and ccm uid=hacluster, ping and anon gid=haclient, lha-snmpagent uid=root.

Names are turned into numbers by the caller (``resolve_user``/``resolve_group``: the
daemon reads the passwd and group databases); a name that does not resolve is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

ANON = "anon"
DEFAULT = "default"
#: (client name, spec) that Heartbeat 3.0.6 provides when ha.cf has no line for it.
BUILTIN: tuple[tuple[str, str], ...] = (
    ("ipfail", "uid=hacluster"),
    ("ccm", "uid=hacluster"),
    ("ping", "gid=haclient"),
    ("lha-snmpagent", "uid=root"),
    (ANON, "gid=haclient"),
)

Resolve = Callable[[str], int | None]


@dataclass(frozen=True, slots=True)
class Permit:
    uids: frozenset[int]
    gids: frozenset[int]

    def allows(self, uid: int, gid: int) -> bool:
        return uid in self.uids or gid in self.gids


def _ids(names: str, resolve: Resolve) -> set[int]:
    out: set[int] = set()
    for name in (n for n in names.split(",") if n):
        number = int(name) if name.isdigit() else resolve(name)
        if number is not None:
            out.add(number)
    return out


def parse_permit(words: Iterable[str], user: Resolve, group: Resolve) -> Permit:
    uids: set[int] = set()
    gids: set[int] = set()
    for word in words:
        key, _, names = word.partition("=")
        if key == "uid":
            uids |= _ids(names, user)
        elif key == "gid":
            gids |= _ids(names, group)
    return Permit(frozenset(uids), frozenset(gids))


def build_table(
    entries: Iterable[tuple[str, ...]], user: Resolve, group: Resolve
) -> dict[str, Permit]:
    """The apiauth table: ha.cf entries (first line for a name wins, as Heartbeat
    refuses a duplicate), then the built-in ones for names ha.cf does not mention."""
    table: dict[str, Permit] = {}
    for entry in entries:
        if entry and entry[0] not in table:
            table[entry[0]] = parse_permit(entry[1:], user, group)
    for name, spec in BUILTIN:
        if name not in table:
            table[name] = parse_permit((spec,), user, group)
    return table


def authorize(
    table: Mapping[str, Permit], client_id: str, casual: bool, uid: int, gid: int
) -> str | None:
    """None if allowed, else Heartbeat's reason text."""
    permit = table.get(ANON) if casual else table.get(client_id, table.get(DEFAULT))
    if permit is None:
        return "no default client auth"
    if not permit.allows(uid, gid):
        return "client failed authorization"
    return None
