"""The client-API server: Heartbeat 3.0.6's ``hb_api.c`` behaviour, sans I/O.

``ApiServer.handle(event) -> list[ApiAction]``.  Per connection: frames are reassembled
(``frames.py``), the first message must be a signon (``signon.py``), later ones are
requests (``queries.py``) or, from a named client, messages for the cluster (stamped
``from_id``/``to_id`` = the client id and ``client_gen``, as Heartbeat does, so they
reach only the clients of that name on every node).  Cluster messages and status
changes go to every signed-on client that wants them (``to_id`` restricts a message
to one client).  A hostile connection (bad framing, garbage, a request naming another
client) is closed and counted; nothing a client sends reaches a peer unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ha_agents.api import events as ev
from ha_agents.api import notices
from ha_agents.api.actions import ApiAction, CloseClient, LocalStandby, SendCluster, ToClient
from ha_agents.api.auth import Permit
from ha_agents.api.body import BodyError, Fields, encode_body, get, parse_body, without
from ha_agents.api.facts import FactsSource
from ha_agents.api.frames import FrameError, FrameReader, encode_frame
from ha_agents.api.queries import HANDLERS, KEEPIT, Answer, Caller, Context
from ha_agents.api.signon import Peer, check_signon

SIGNON_TIMEOUT_S = 10.0
MAX_CLIENTS = 1024
#: Message types a client may not send to the cluster (membership's own and the API's).
RESERVED_TYPES = frozenset(
    {"status", "NS_ackmsg", "NS_rexmit", "NS_st", "reqnodes", "repnodes", "shutdone", "ifstat"}
)


@dataclass(slots=True)
class Client:
    cid: int
    peer: Peer
    since: float
    reader: FrameReader = field(default_factory=FrameReader)
    caller: Caller | None = None  # set once signed on
    casual: bool = True
    gen: int = 0


class ApiServer:
    def __init__(
        self,
        local: str,
        table: Mapping[str, Permit],
        facts: FactsSource,
        *,
        daemon_uid: int = 0,
        signon_timeout_s: float = SIGNON_TIMEOUT_S,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.local = local
        self.table = table
        self.facts = facts
        self.daemon_uid = daemon_uid
        self.signon_timeout_s = signon_timeout_s
        self.max_clients = max_clients
        self.clients: dict[int, Client] = {}
        self.remote: dict[str, set[str]] = {}  # node -> named clients signed on there
        self.counters: dict[str, int] = {}
        self.generation = 0

    # -- inputs ---------------------------------------------------------------------
    def handle(self, event: ev.ApiEvent) -> list[ApiAction]:
        if isinstance(event, ev.Connected):
            return self._connected(event)
        if isinstance(event, ev.Received):
            return self._received(event)
        if isinstance(event, ev.Disconnected):
            return self._remove(event.cid, event.reason, notify=False)
        if isinstance(event, ev.ClusterMessage):
            return self._cluster(event.fields)
        if isinstance(event, ev.NodeChanged):
            return self._node_changed(event)
        if isinstance(event, ev.LinkChanged):
            body = (("t", "ifstat"), ("node", event.node), ("ifname", event.link))
            return self._deliver((*body, ("st", event.status)))
        return self._tick(event.now)

    def next_deadline(self) -> float | None:
        waiting = [c.since for c in self.clients.values() if c.caller is None]
        return min(waiting) + self.signon_timeout_s if waiting else None

    def online(self, client_id: str) -> bool:
        return any(c.caller and c.caller.client_id == client_id for c in self.clients.values())

    def status(self) -> dict[str, object]:
        """The ``api`` section of ``status --json``."""
        return {
            "clients": [
                {"id": c.caller.client_id, "pid": c.peer.pid, "uid": c.peer.uid, "casual": c.casual}
                for c in self.clients.values()
                if c.caller is not None
            ],
            "connections": len(self.clients),
            "remote_clients": {n: sorted(ids) for n, ids in sorted(self.remote.items()) if ids},
            "dropped": dict(sorted(self.counters.items())),
        }

    # -- connections ----------------------------------------------------------------
    def _count(self, reason: str) -> None:
        self.counters[reason] = self.counters.get(reason, 0) + 1

    def _connected(self, e: ev.Connected) -> list[ApiAction]:
        if len(self.clients) >= self.max_clients:
            self._count("too_many_clients")
            return [CloseClient(e.cid, "too many clients")]
        self.clients[e.cid] = Client(e.cid, Peer(e.uid, e.gid, e.pid), e.now)
        return []

    def _drop(self, cid: int, reason: str, detail: str) -> list[ApiAction]:
        """A client that broke the protocol: counted, logged, disconnected."""
        self._count(reason)
        client = self.clients.get(cid)
        who = (
            client.caller.client_id
            if client and client.caller
            else f"pid {client.peer.pid}"
            if client
            else "?"
        )
        out: list[ApiAction] = [notices.dropped(who, reason, detail)]
        return out + self._remove(cid, reason, notify=True)

    def _remove(self, cid: int, reason: str, notify: bool) -> list[ApiAction]:
        client = self.clients.pop(cid, None)
        if client is None:
            return []
        out: list[ApiAction] = [CloseClient(cid, reason)] if notify else []
        if client.caller is not None and not client.casual:
            leave = without(self._clstat(client, "leave", reason), "src")
            out.append(SendCluster(leave, "client left"))
        return out

    def _tick(self, now: float) -> list[ApiAction]:
        out: list[ApiAction] = []
        for c in list(self.clients.values()):
            if c.caller is None and now >= c.since + self.signon_timeout_s:
                out += self._drop(c.cid, "signon_timeout", "no signon in time")
        return out

    def _received(self, e: ev.Received) -> list[ApiAction]:
        client = self.clients.get(e.cid)
        if client is None:
            return []
        try:
            bodies = client.reader.feed(e.data)
        except FrameError as exc:
            return self._drop(e.cid, exc.reason, exc.detail)
        out: list[ApiAction] = []
        for body in bodies:
            try:
                msg = parse_body(body)
            except BodyError as exc:
                return out + self._drop(e.cid, "bad_message", f"{exc.reason}: {exc.detail}")
            out += self._message(client, msg)
            if e.cid not in self.clients:
                break
        return out

    def _message(self, client: Client, msg: Fields) -> list[ApiAction]:
        if client.caller is None:
            return self._signon(client, msg)
        msgtype = get(msg, "t")
        if msgtype is None:
            return self._drop(client.cid, "bad_message", "no message type")
        if msgtype != "hbapi-req":
            return self._from_client(client, client.caller, msgtype, msg)
        return self._request(client, client.caller, msg)

    # -- signon and requests --------------------------------------------------------
    def _reply(self, client: Client, fields: Fields) -> ToClient:
        return ToClient(client.cid, encode_frame(encode_body(fields)))

    def _signon(self, client: Client, msg: Fields) -> list[ApiAction]:
        if get(msg, "t") != "hbapi-req" or get(msg, "reqtype") != "signon":
            return self._drop(client.cid, "bad_signon", "first message is not a signon")
        if get(msg, "from_id") is None and get(msg, "pid") is None:
            return self._drop(client.cid, "bad_signon", "no fromid in msg")
        client.gen = self.generation
        self.generation += 1
        verdict = check_signon(msg, client.peer, self.table, self.online)
        facts = self.facts()
        head: Fields = (("t", "hbapi-resp"), ("reqtype", "signon"))
        if verdict.refused is not None:
            head = (*head, ("info", verdict.refused), ("result", "badreq"))
        else:
            head = (*head, ("result", "OK"))
        reply: Fields = (
            *head,
            ("deadtime", f"{facts.deadtime_ms:x}"),
            ("keepalive", f"{facts.keepalive_ms:x}"),
            ("node", facts.local),
            ("hbversion", facts.hbversion),
            ("pacemaker", "true" if facts.pacemaker else "false"),
            ("logfacility", str(facts.logfacility)),
        )
        out: list[ApiAction] = [*verdict.notices, self._reply(client, reply)]
        client.casual = verdict.casual
        if verdict.refused is not None:
            self._count("refused")
            caller = Caller(verdict.client_id, client.peer.uid)
            client.caller = caller
            leave = self._clstat(client, "leave", verdict.refused)
            out.append(self._reply(client, leave))
            if not client.casual:
                out.append(SendCluster(without(leave, "src"), "client refused"))
            client.caller = None
            self.clients.pop(client.cid, None)
            return [*out, CloseClient(client.cid, verdict.refused)]
        client.caller = Caller(verdict.client_id, client.peer.uid)
        if not client.casual:
            join = without(self._clstat(client, "join", "signon"), "src")
            out.append(SendCluster(join, "client joined"))
        return out

    def _clstat(self, client: Client, status: str, info: str) -> Fields:
        cid = client.caller.client_id if client.caller else str(client.peer.pid)
        return (
            ("t", "hbapi-clstat"),
            ("st", status),
            ("from_id", cid),
            ("to_id", cid),
            ("src", self.local),
            ("info", info),
            ("client_gen", str(client.gen)),
        )

    def _request(self, client: Client, caller: Caller, msg: Fields) -> list[ApiAction]:
        reqtype, fromid, pid = get(msg, "reqtype"), get(msg, "from_id"), get(msg, "pid")
        if reqtype is None or (fromid is None and pid is None):
            return self._drop(client.cid, "bad_request", "no fromid/pid/reqtype in message")
        if (fromid is not None and fromid != caller.client_id) or (
            pid is not None and pid != str(client.peer.pid) and fromid is None
        ):
            return self._drop(client.cid, "impersonation", "Client mismatch! (impersonation?)")
        handler = HANDLERS.get(reqtype)
        ctx = Context(msg, self.facts(), caller, self.daemon_uid, self.online)
        answer = handler(ctx) if handler is not None else Answer(bad="")
        out: list[ApiAction] = [SendCluster(body, f"{reqtype} query") for body in answer.cluster]
        if answer.bad is not None:
            self._count("bad_request")
            out.append(notices.bad_request(reqtype, unknown=handler is None))
        if caller.signing_off:
            return out + self._remove(client.cid, "signoff", notify=True)
        if answer.reply:
            out.extend(self._reply(client, f) for f in self._answer_bodies(reqtype, answer))
        return out

    @staticmethod
    def _answer_bodies(reqtype: str, answer: Answer) -> list[Fields]:
        head: Fields = (("t", "hbapi-resp"), ("reqtype", reqtype))
        if answer.bad is not None:
            info: Fields = (("info", answer.bad),) if answer.bad else ()
            return [(*head, ("result", "badreq"), *info)]
        if answer.multi:
            return [(*head, *r) for r in answer.replies]
        return [(*head, *r, ("result", "OK")) for r in answer.replies]

    def _from_client(
        self, client: Client, caller: Caller, msgtype: str, msg: Fields
    ) -> list[ApiAction]:
        if client.casual:
            return self._drop(client.cid, "casual_send", "general message from casual client!")
        if msgtype in RESERVED_TYPES or msgtype.startswith("hbapi-"):
            self._count("reserved_type")
            return [notices.refused_type(caller.client_id, msgtype)]
        if msgtype == "ask_resources" and get(msg, "info") == "me":
            return [LocalStandby(get(msg, "rsc_hold") or "all", caller.client_id)]
        body = without(msg, "src", "from_id", "to_id", "client_gen", "srcuuid", "seq", "hg")
        body = (
            *body,
            ("from_id", caller.client_id),
            ("to_id", caller.client_id),
            ("client_gen", str(client.gen)),
        )
        return [SendCluster(body, f"message from client {caller.client_id}")]

    # -- delivery -------------------------------------------------------------------
    def _cluster(self, fields: Fields) -> list[ApiAction]:
        msgtype, src, dest = get(fields, "t"), get(fields, "src"), get(fields, "dest")
        if dest is not None and dest.lower() != self.local.lower():
            return []  # addressed to another node (one of ours on its way out)
        if msgtype == "query-cstatus":
            return self._answer_query(fields, src) if src and src != self.local else []
        if msgtype == "hbapi-clstat" and src is not None and src != self.local:
            ids = self.remote.setdefault(src, set())
            name = get(fields, "from_id") or ""
            if get(fields, "st") == "join":
                ids.add(name)
            else:
                ids.discard(name)
        return self._deliver(fields)

    def _answer_query(self, fields: Fields, src: str) -> list[ApiAction]:
        name, asker = get(fields, "cn"), get(fields, "from_id")
        if name is None or asker is None:
            return []
        body: Fields = (
            ("t", "respond-cstatus"),
            ("dest", src),
            ("result", "OK"),
            ("cn", name),
            ("to_id", asker),
            ("cs", "online" if self.online(name) else "offline"),
        )
        return [SendCluster(body, f"client status query from {src}")]

    def _node_changed(self, e: ev.NodeChanged) -> list[ApiAction]:
        if e.status == "dead":
            self.remote.pop(e.node, None)
            body: Fields = (("t", "status"), ("seq", "1"), ("src", e.node), ("st", "dead"))
            return self._deliver((*body, ("info", "ping")) if e.ping else body)
        if e.ping:
            return self._deliver(
                (("t", "NS_st"), ("st", e.status), ("info", "ping"), ("src", e.node))
            )
        return self._deliver((("t", "status"), ("st", e.status), ("src", e.node)))

    def _deliver(self, fields: Fields) -> list[ApiAction]:
        to = get(fields, "to_id")
        data: bytes | None = None
        out: list[ApiAction] = []
        for client in self.clients.values():
            caller = client.caller
            if caller is None or (to is not None and caller.client_id != to):
                continue
            if caller.fmask & KEEPIT:
                data = data or encode_frame(encode_body(fields))
                out.append(ToClient(client.cid, data))
            if to is not None:
                break
        return out
