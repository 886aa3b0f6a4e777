"""cl_status's questions answered from a status document, with cl_status's exact output
words and exit codes (docs/heartbeat/tools.md §1).  Pure: ``answer(argv, doc)`` -> Reply.

``doc`` is None when no daemon answers (not running).  ``numnodes`` is an ha_agents
addition (cl_status 3.0.6 rejects it as an invalid sub-command).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ha_agents.node.apiview import hbversion
from ha_agents.status.snapshot import JsonDict

USAGE = """Usage: cl_status <sub-command> [<options>] [<parameters>]

Sub-commands:
clientstatus <node-name> <client-id> [<timeout>]
\tShow the status of heartbeat clients.
hblinkstatus <node-name> <link-name>
\tShow the status of a heartbeat link
hbstatus
\tIndicate if heartbeat is running on the local system.
\tOptions:
\t\t-v\tverbose: also add "listnodes -v" output
listnodes [<option>]
\tList the nodes in the cluster.
\tOptions:
\t\t-p\tlist only 'ping' type nodes
\t\t-n\tlist only 'normal' type nodes
\t\t-v\tverbose: also list type and status,
\t\t\tthen add "listhblinks -v" output
listhblinks <node-name>
\tList the network interfaces used as hearbeat links.
\tOptions:
\t\t-v\tverbose: list link status as well
nodestatus <node-name>
\tList the node status.
nodeweight <node-name>
\tList the node weight.
nodesite <node-name>
\tList the node site.
nodetype <node-name>
\tList the nodes of a given type.
numnodes
\tPrint the number of normal nodes (ha_agents; not in cl_status 3.0.6).
rscstatus
\tShow the status of cluster resources.
hbparameter -p <parameter-name>
\tRetrieve the value of a cluster parameter.
\tAs for the valid parameter names, please refer to the man page.
"""

NOT_RUNNING = (
    "ERROR: Cannot signon with heartbeat\n"
    "ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat\n"
)
BAD_NODE = "Error. May be due to incorrect node name\n"
FEW = "No enough parameter.\n"


@dataclass(frozen=True, slots=True)
class Reply:
    stdout: str
    stderr: str
    rc: int


def _nodes(doc: JsonDict) -> list[JsonDict]:
    """Every node as cl_status lists them: Heartbeat's order (ha.cf lines), reversed."""
    nodes = doc.get("nodes")
    found = [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
    order = doc.get("order")
    if isinstance(order, list) and order:  # else the document's nodes are in ha.cf order
        rank = {name: i for i, name in enumerate(order)}
        found.sort(key=lambda n: rank.get(str(n.get("name")), len(rank)))
    return found[::-1]


def _find(doc: JsonDict, name: str) -> JsonDict | None:
    for node in _nodes(doc):
        if str(node.get("name", "")).lower() == name.lower():
            return node
    return None


def _links(node: JsonDict) -> list[JsonDict]:
    links = node.get("links")
    return [lk for lk in links if isinstance(lk, dict)] if isinstance(links, list) else []


def _listnodes_verbose(doc: JsonDict) -> str:
    out = []
    for node in _nodes(doc):
        out.append("")
        out.append(f"{node['name']}\t{node['status']}\t(nodetype: {node.get('type', 'normal')})")
        out.extend(f"\t{lk['name']}\t{lk['status']}" for lk in _links(node))
    return "".join(line + "\n" for line in out)


def answer(argv: Sequence[str], doc: JsonDict | None) -> Reply:
    if not argv or argv[0] in ("-h", "--help", "help"):
        return Reply(USAGE, "", 0)
    cmd, args = argv[0], list(argv[1:])
    if cmd == "hbstatus":
        if doc is None:
            return Reply("Heartbeat is stopped on this machine.\n", "", 1)
        out = "Heartbeat is running on this machine.\n"
        if "-v" in args:
            out = (
                f"version:\t{hbversion(str(doc.get('version', '')))}\n"
                'managed by:\t"haresources"\n' + _listnodes_verbose(doc)
            )
        return Reply(out, "", 0)
    if cmd not in HANDLERS:
        return Reply("", f"ERROR: {cmd}: invalid sub-command.\n", 11)
    if doc is None:
        return Reply("", NOT_RUNNING, 1)
    return HANDLERS[cmd](args, doc)


def _listnodes(args: list[str], doc: JsonDict) -> Reply:
    if "-v" in args:
        return Reply(_listnodes_verbose(doc), "", 0)
    nodes = _nodes(doc)
    for flag, kind in (("-p", "ping"), ("-n", "normal")):
        if flag in args:
            nodes = [n for n in nodes if n.get("type", "normal") == kind]
    return Reply("".join(f"{n['name']}\n" for n in nodes), "", 0)


def _node_arg(
    args: list[str], doc: JsonDict, bad: str = BAD_NODE
) -> tuple[JsonDict | None, Reply | None]:
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return None, Reply("", "Not enough parameters.\n", 11)
    node = _find(doc, names[0])
    if node is None:
        return None, Reply("", bad, 11)
    return node, None


def _nodestatus(args: list[str], doc: JsonDict) -> Reply:
    node, err = _node_arg(args, doc)
    if node is None:
        return err or Reply("", BAD_NODE, 11)
    status = str(node["status"])
    return Reply(status + "\n", "", 1 if status == "dead" else 0)


def _nodetype(args: list[str], doc: JsonDict) -> Reply:
    node, err = _node_arg(args, doc)
    if node is None:
        return err or Reply("", BAD_NODE, 11)
    return Reply(f"{node.get('type', 'normal')}\n", "", 0)


def _nodeweight(args: list[str], doc: JsonDict) -> Reply:
    node, err = _node_arg(args, doc, "Error. Maybe due to incorrect node name.\n")
    return err if node is None and err else Reply("100\n", "", 0)


def _nodesite(args: list[str], doc: JsonDict) -> Reply:
    node, err = _node_arg(args, doc)
    return err if node is None and err else Reply("\n", "", 0)


def _numnodes(args: list[str], doc: JsonDict) -> Reply:
    count = sum(1 for n in _nodes(doc) if n.get("type", "normal") == "normal")
    return Reply(f"{count}\n", "", 0)


def _listhblinks(args: list[str], doc: JsonDict) -> Reply:
    if not [a for a in args if not a.startswith("-")]:
        return Reply("", FEW, 11)
    node, _err = _node_arg(args, doc)
    if node is None:
        walk = "ERROR: Cannot start heartbeat link interface walk.\nERROR: REASON: EINVAL\n"
        return Reply("", walk, 13)
    verbose = "-v" in args
    lines = [f"\t{lk['name']}" + (f"\t{lk['status']}" if verbose else "") for lk in _links(node)]
    return Reply("".join(line + "\n" for line in lines), "", 0)


def _hblinkstatus(args: list[str], doc: JsonDict) -> Reply:
    bad = Reply("", "ERROR: Cannot get heartbeat link status\nERROR: REASON: \n", 13)
    if len(args) < 2:
        return Reply("", FEW, 11)
    node = _find(doc, args[0])
    if node is None:
        return bad
    for lk in _links(node):
        if lk["name"] == args[1]:
            # Heartbeat 3.0.6 exits 1 for a dead link (tests/ops/test_compat_mixed.py
            # asks the real one; docs/heartbeat/tools.md's table says 0, which is wrong).
            return Reply(f"{lk['status']}\n", "", 1 if lk["status"] == "dead" else 0)
    return bad


def _clientstatus(args: list[str], doc: JsonDict) -> Reply:
    """Local clients from the API server; a peer's from the join/leave notices its
    clients sent (cl_status asks the peer itself; the answer is the same)."""
    if len(args) < 2:
        return Reply("", FEW, 11)
    node = _find(doc, args[0])
    if node is None:
        cname = args[1]
        text = f"ERROR: Cannot get heartbeat client {cname}'s status\nERROR: REASON: "
        return Reply("", text + "No timely response.\n", 13)
    api = doc.get("api")
    api = api if isinstance(api, dict) else {}
    if node.get("local"):
        clients = api.get("clients")
        ids = (
            [c.get("id") for c in clients if isinstance(c, dict)]
            if isinstance(clients, list)
            else []
        )
    elif node.get("status") == "active":
        remote = api.get("remote_clients")
        found = remote.get(str(node.get("name"))) if isinstance(remote, dict) else None
        ids = found if isinstance(found, list) else []
    else:
        ids = []
    return Reply("online\n", "", 0) if args[1] in ids else Reply("offline\n", "", 1)


def _rscstatus(args: list[str], doc: JsonDict) -> Reply:
    res = doc.get("resources")
    held = res.get("rscstatus") if isinstance(res, dict) else None
    return Reply(f"{held if isinstance(held, str) else 'none'}\n", "", 0)


def _hbparameter(args: list[str], doc: JsonDict) -> Reply:
    if "-p" not in args or args.index("-p") + 1 >= len(args):
        return Reply("", "ERROR: parameter name required\n", 11)
    name = args[args.index("-p") + 1]
    params = doc.get("parameters")
    value = params.get(name) if isinstance(params, dict) else None
    if name == "hbversion":
        value = hbversion(str(doc.get("version", "")))
    if not isinstance(value, str):
        return Reply("", f"ERROR: Cannot get parameter {name}'s value\nERROR: REASON: \n", 1)
    return Reply(value + "\n", "", 0)


HANDLERS = {
    "listnodes": _listnodes,
    "nodestatus": _nodestatus,
    "nodetype": _nodetype,
    "nodeweight": _nodeweight,
    "nodesite": _nodesite,
    "numnodes": _numnodes,
    "listhblinks": _listhblinks,
    "hblinkstatus": _hblinkstatus,
    "clientstatus": _clientstatus,
    "rscstatus": _rscstatus,
    "hbparameter": _hbparameter,
}
