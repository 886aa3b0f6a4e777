"""The API requests (``t=hbapi-req``, ``reqtype=...``) and their answers: one table,
one small function per request (docs/api.md lists each with its fields).  Pure.

A handler returns an :class:`Answer`: the reply bodies' own fields (the server adds
``t=hbapi-resp``, ``reqtype`` and ``result``), or a bad-request reason (Heartbeat's
``info`` text), plus anything to send to the cluster.  ``signoff`` and
``set_sendqlen`` get no reply, as in Heartbeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ha_agents.api.body import Fields, get
from ha_agents.api.facts import ClusterFacts, NodeFact

OK = "OK"
MORE = "ok/more"
KEEPIT = 0x01
DEBUG_TREATMENTS = 0x02 | 0x04 | 0x08 | 0x10 | 0x20
ALL_TREATMENTS = DEBUG_TREATMENTS | KEEPIT
NOT_MANAGED = "Resource is managed by crm.Use crm tool to query resource"


@dataclass(slots=True)
class Caller:
    """The signed-on client a request comes from (mutable: setfilter, setsignal)."""

    client_id: str
    uid: int
    fmask: int = KEEPIT
    signal: int = 0
    signing_off: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    replies: tuple[Fields, ...] = ()  # each: fields before ``result``; last gets OK
    multi: bool = False  # replies already carry their own ``result`` (nodelist, iflist)
    bad: str | None = None  # badreq with this info
    cluster: tuple[Fields, ...] = ()
    reply: bool = True


@dataclass(frozen=True, slots=True)
class Context:
    req: Fields
    facts: ClusterFacts
    caller: Caller
    daemon_uid: int
    local_client: Callable[[str], bool] = field(default=lambda _name: False)


EINVAL = Answer(bad="EINVAL")


def _node(ctx: Context) -> NodeFact | None:
    name = get(ctx.req, "node")
    return ctx.facts.node(name) if name is not None else None


def _signoff(ctx: Context) -> Answer:
    ctx.caller.signing_off = True
    return Answer(reply=False)


def _setfilter(ctx: Context) -> Answer:
    text = get(ctx.req, "fmask")
    try:
        mask = int(text or "", 16)
    except ValueError:
        return EINVAL
    if mask & ALL_TREATMENTS == 0:
        return EINVAL
    debug = mask & DEBUG_TREATMENTS and not ctx.caller.fmask & DEBUG_TREATMENTS
    if debug and ctx.caller.uid not in (0, ctx.daemon_uid):
        return Answer(bad="EPERM")
    ctx.caller.fmask = mask
    return Answer(replies=((),))


def _setsignal(ctx: Context) -> Answer:
    text = get(ctx.req, "signal") or ""
    if not text.isdigit():
        return Answer(bad="")
    sig = int(text)
    if sig in (9, 19) or sig >= 32:  # SIGKILL, SIGSTOP cannot be caught
        return EINVAL
    ctx.caller.signal = sig
    return Answer(replies=((),))


def _nodelist(ctx: Context) -> Answer:
    nodes = ctx.facts.nodes
    replies = tuple(
        (
            ("node", n.name),
            ("nodetype", n.type),
            ("st", n.status),
            ("result", OK if i == len(nodes) - 1 else MORE),
        )
        for i, n in enumerate(nodes)
    )
    return Answer(replies=replies, multi=True)


def _nodestatus(ctx: Context) -> Answer:
    node = _node(ctx)
    return EINVAL if node is None else Answer(replies=((("st", node.status),),))


def _nodeweight(ctx: Context) -> Answer:
    node = _node(ctx)
    return EINVAL if node is None else Answer(replies=((("weight", str(node.weight)),),))


def _nodesite(ctx: Context) -> Answer:
    node = _node(ctx)
    return EINVAL if node is None else Answer(replies=((("site", node.site),),))


def _nodetype(ctx: Context) -> Answer:
    node = _node(ctx)
    return EINVAL if node is None else Answer(replies=((("nodetype", node.type),),))


def _numnodes(ctx: Context) -> Answer:
    count = sum(1 for n in ctx.facts.nodes if n.type == "normal")
    return Answer(replies=((("numnodes", str(count)),),))


def _iflist(ctx: Context) -> Answer:
    node = _node(ctx)
    if node is None or not node.links:
        return EINVAL
    last = len(node.links) - 1
    replies = tuple(
        (("ifname", name), ("st", status), ("result", OK if i == last else MORE))
        for i, (name, status) in enumerate(node.links)
    )
    return Answer(replies=replies, multi=True)


def _ifstatus(ctx: Context) -> Answer:
    node, ifname = _node(ctx), get(ctx.req, "ifname")
    status = dict(node.links).get(ifname or "") if node is not None else None
    return EINVAL if status is None else Answer(replies=((("st", status),),))


def _clientstatus(ctx: Context) -> Answer:
    node, cname, fromid = _node(ctx), get(ctx.req, "cn"), get(ctx.req, "from_id")
    if node is None or cname is None or fromid is None:
        return EINVAL
    if node.name == ctx.facts.local:
        online = ctx.local_client(cname)
        status = "online" if online else "offline"
        return Answer(replies=((("subt", "respond-cstatus"), ("cs", status)),))
    if node.status != "active":
        return Answer(replies=((("subt", "respond-cstatus"), ("cs", "offline")),))
    query: Fields = (
        ("t", "query-cstatus"),
        ("dest", node.name),
        ("cn", cname),
        ("from_id", fromid),
    )
    return Answer(cluster=(query,), reply=False)


def _getparm(ctx: Context) -> Answer:
    name = get(ctx.req, "pname")
    if name is None:
        return EINVAL
    value = ctx.facts.parameters.get(name)
    return Answer(replies=((("pvalue", value),) if value is not None else (),))


def _getrsc(ctx: Context) -> Answer:
    if ctx.facts.resources is None:
        return Answer(bad=NOT_MANAGED)
    return Answer(replies=((("rsc_hold", ctx.facts.resources),),))


def _getuuid(ctx: Context) -> Answer:
    name = get(ctx.req, "queryname")
    if name is None:
        return Answer(bad="no query node name found")
    node = ctx.facts.node(name)
    if node is None or node.uuid is None:
        return Answer(replies=((),))
    return Answer(replies=((("queryuuid", node.uuid),),))


def _getnodename(ctx: Context) -> Answer:
    uuid = next((v for k, v in ctx.req if k == "queryuuid" and isinstance(v, bytes)), None)
    if uuid is None:
        return Answer(bad="no query node name found")
    node = next((n for n in ctx.facts.nodes if n.uuid == uuid), None)
    return Answer(replies=((("queryname", node.name),) if node is not None else (),))


def _set_sendqlen(ctx: Context) -> Answer:
    return Answer(reply=False)


HANDLERS: dict[str, Callable[[Context], Answer]] = {
    "signoff": _signoff,
    "setfilter": _setfilter,
    "setsignal": _setsignal,
    "nodelist": _nodelist,
    "nodestatus": _nodestatus,
    "nodeweight": _nodeweight,
    "nodesite": _nodesite,
    "nodetype": _nodetype,
    "ifstatus": _ifstatus,
    "iflist": _iflist,
    "clientstatus": _clientstatus,
    "numnodes": _numnodes,
    "getparm": _getparm,
    "getrsc": _getrsc,
    "getuuid": _getuuid,
    "getnodename": _getnodename,
    "set_sendqlen": _set_sendqlen,
}
