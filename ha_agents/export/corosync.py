"""ha.cf + authkeys -> a Corosync 3 (knet) corosync.conf.

* one knet link per distinct heartbeat interface (``bcast eth0`` and ``ucast eth0 ...`` are
  the same network, one link); serial media have no equivalent; knet allows 8 links;
* node addresses: ``--node-address`` first, then ucast peers and this machine's own
  interface addresses (when the export runs on a cluster node), else a placeholder that
  corosync refuses until it is replaced;
* crypto: md5/sha1/sha256 -> ``crypto_cipher aes256`` + ``crypto_hash sha1``/``sha256`` with
  a new key from corosync-keygen (Heartbeat's text key cannot be reused); crc -> none;
* token = deadtime / 2.2: corosync declares a node lost after token + consensus
  (1.2 x token by default), about Heartbeat's deadtime;
* quorum: votequorum, ``two_node: 1`` for two nodes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ha_agents.config.diagnostics import Diagnostic
from ha_agents.config.model import AuthMethod, ClusterConfig, Medium, MediumKind
from ha_agents.export import notes

MAX_LINKS = 8
MIN_TOKEN_MS = 1000
SYSLOG_FACILITIES = frozenset({"daemon", "user"} | {f"local{i}" for i in range(8)})


@dataclass(frozen=True, slots=True)
class Link:
    number: int
    dev: str
    media: tuple[Medium, ...]


@dataclass(frozen=True, slots=True)
class NodeAddresses:
    """Inputs the pure code cannot know: user-given and local interface addresses."""

    given: Mapping[str, tuple[str, ...]]  # node (lower-case) -> address per link, in link order
    local_ifaddrs: Mapping[str, tuple[str, ...]]  # dev -> this machine's addresses (if a node)


def placeholder(node: str, dev: str) -> str:
    return f"REPLACE_WITH_{node}_ADDRESS_ON_{dev}"


def links(cfg: ClusterConfig) -> tuple[list[Link], list[Diagnostic]]:
    by_dev: dict[str, list[Medium]] = {}
    diags: list[Diagnostic] = []
    for m in cfg.hacf.media:
        if m.kind is MediumKind.SERIAL:
            msg = (
                f"serial medium {m.dev} has no Corosync equivalent and is dropped; add a "
                "second network link instead (knet runs several links at once)"
            )
            diags.append(notes.note(m.loc, notes.SERIAL_LINK, msg))
            continue
        by_dev.setdefault(m.dev, []).append(m)
    result = [Link(i, dev, tuple(ms)) for i, (dev, ms) in enumerate(by_dev.items())]
    if len(result) > MAX_LINKS:
        extra = result[MAX_LINKS]
        msg = f"knet supports {MAX_LINKS} links; interfaces from {extra.dev} on are dropped"
        diags.append(notes.note(extra.media[0].loc, notes.TOO_MANY_LINKS, msg))
        result = result[:MAX_LINKS]
    for link in result:
        for m in link.media:
            if m.kind in (MediumKind.BCAST, MediumKind.MCAST, MediumKind.MCAST6):
                msg = (
                    f"{m.kind.value} {m.dev} becomes knet link {link.number} (unicast between "
                    "node addresses); corosync uses UDP port 5405, open it in the firewall"
                )
                diags.append(notes.note(m.loc, notes.MULTICAST_LINK, msg))
    return result, diags


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _link_addresses(
    cfg: ClusterConfig, link: Link, addrs: NodeAddresses
) -> tuple[dict[str, str], list[Diagnostic]]:
    """node -> address on this link (missing nodes get none)."""
    found: dict[str, str] = {}
    for node in cfg.hacf.nodes:
        given = addrs.given.get(node.lower(), ())
        if len(given) > link.number:
            found[node] = given[link.number]
    peers = [
        m.peer for m in link.media if m.kind in (MediumKind.UCAST, MediumKind.UCAST6) and m.peer
    ]
    peers = list(dict.fromkeys(p for p in peers if _is_ip(p)))
    local = cfg.local_node.lower()
    local_names = [n for n in cfg.hacf.nodes if n.lower() == local]
    mine = [a for a in addrs.local_ifaddrs.get(link.dev, ()) if _is_ip(a)]
    if local_names and mine:
        here = next((p for p in peers if p in mine), mine[0])
        found.setdefault(local_names[0], here)
        peers = [p for p in peers if p not in mine]
    # ucast peers name the *other* nodes; with one unknown non-local node and one peer
    # address the match is certain (the usual two-node ha.cf: "ucast eth0 <the other>").
    others = [n for n in cfg.hacf.nodes if n not in found and n.lower() != local]
    if len(peers) == 1 and len(others) == 1:
        found[others[0]] = peers[0]
    return found, []


def node_addresses(
    cfg: ClusterConfig, link_list: list[Link], addrs: NodeAddresses
) -> tuple[dict[str, list[str]], list[Diagnostic]]:
    result: dict[str, list[str]] = {n: [] for n in cfg.hacf.nodes}
    diags: list[Diagnostic] = []
    for link in link_list:
        found, more = _link_addresses(cfg, link, addrs)
        diags += more
        for node in cfg.hacf.nodes:
            if node in found:
                result[node].append(found[node])
                continue
            result[node].append(placeholder(node, link.dev))
            msg = (
                f"address of node {node} on {link.dev} (link {link.number}) is not in ha.cf; "
                f"corosync.conf has the placeholder {placeholder(node, link.dev)} — rerun with "
                f"--node-address {node}=IP[,IP...] or edit the file"
            )
            diags.append(notes.note(link.media[0].loc, notes.NO_ADDRESS, msg))
    return result, diags


def token_ms(cfg: ClusterConfig) -> int:
    return max(MIN_TOKEN_MS, (cfg.hacf.deadtime_ms * 10) // 22)


def _crypto(cfg: ClusterConfig) -> tuple[list[str], list[Diagnostic]]:
    key = cfg.authkeys.signing_key
    if key.method is AuthMethod.CRC:
        msg = (
            "authkeys uses crc (no authentication): corosync.conf gets crypto_cipher/"
            "crypto_hash none, just as open; enable crypto (crypto_cipher aes256, crypto_hash "
            "sha256) and run corosync-keygen"
        )
        return ["crypto_cipher: none", "crypto_hash: none"], [
            notes.note(key.loc, notes.CRC_AUTH, msg)
        ]
    digest = "sha256" if key.method is AuthMethod.SHA256 else "sha1"
    msg = (
        f"authkeys {key.method.value} -> knet crypto aes256/{digest}: the Heartbeat key cannot "
        "be reused; run corosync-keygen on one node and copy /etc/corosync/authkey (mode 0400) "
        "to every node"
    )
    return [
        "crypto_cipher: aes256",
        f"crypto_hash: {digest}",
    ], [notes.note(key.loc, notes.NEW_KEY, msg)]


def _logging(cfg: ClusterConfig) -> list[str]:
    facility = cfg.hacf.logfacility
    lines = ["to_stderr: no", "to_logfile: yes", "logfile: /var/log/corosync/corosync.log"]
    if facility is None or facility == "none":
        lines.append("to_syslog: no")
    else:
        lines.append("to_syslog: yes")
        if facility in SYSLOG_FACILITIES:
            lines.append(f"syslog_facility: {facility}")
    lines += ["timestamp: on", f"debug: {'on' if cfg.hacf.debug > 0 else 'off'}"]
    return lines


def _block(name: str, body: list[str], depth: int = 0) -> list[str]:
    """``name {`` + body (already rendered lines, indented one more level) + ``}``."""
    pad = "    " * depth
    inner = [f"{pad}    {line}" if line else "" for line in body]
    return [f"{pad}{name} {{", *inner, f"{pad}}}"]


def render_corosync(cfg: ClusterConfig, addrs: NodeAddresses) -> tuple[str, list[Diagnostic]]:
    link_list, diags = links(cfg)
    addresses, more = node_addresses(cfg, link_list, addrs)
    diags += more
    crypto, more = _crypto(cfg)
    diags += more
    if cfg.hacf.deadtime_ms * 10 // 22 < MIN_TOKEN_MS:
        loc = cfg.hacf.locations.get("deadtime")
        msg = (
            f"deadtime {cfg.hacf.deadtime_ms} ms is shorter than corosync's practical floor: "
            f"token {MIN_TOKEN_MS} ms, so a lost node is noticed after about "
            f"{MIN_TOKEN_MS * 22 // 10} ms"
        )
        path = f"{cfg.config_dir.rstrip('/')}/ha.cf"
        diags.append(notes.note(loc, notes.SHORT_DEADTIME, msg, path))
    totem = [
        "version: 2",
        f"cluster_name: {cfg.hacf.cluster}",
        "transport: knet",
        f"# ha.cf deadtime {cfg.hacf.deadtime_ms} ms: a node is lost after token + consensus "
        "(1.2 x token)",
        f"token: {token_ms(cfg)}",
        *crypto,
    ]
    for link in link_list:
        media = ", ".join(f"{m.kind.value} {m.dev}" for m in link.media)
        totem += [f"# Heartbeat medium: {media}"]
        totem += _block("interface", [f"linknumber: {link.number}"])
    nodes: list[str] = []
    for nodeid, node in enumerate(cfg.hacf.nodes, start=1):
        body = [f"ring{i}_addr: {a}" for i, a in enumerate(addresses[node])]
        body += [f"name: {node}", f"nodeid: {nodeid}"]
        nodes += _block("node", body)
    quorum = ["provider: corosync_votequorum"]
    if len(cfg.hacf.nodes) == 2:
        quorum.append("two_node: 1")
    out = [
        f"# corosync.conf for cluster {cfg.hacf.cluster}, exported by ha-agents from "
        f"{cfg.config_dir.rstrip('/')}/ha.cf",
        *_block("totem", totem),
        "",
        *_block("nodelist", nodes),
        "",
        *_block("quorum", quorum),
        "",
        *_block("logging", _logging(cfg)),
    ]
    return "\n".join(out) + "\n", diags
