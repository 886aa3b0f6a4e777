"""``ha-agents check``: would Heartbeat 3.0.6 run this /etc/ha.d, and where is each problem?

Exit 0: accepted (warnings allowed); 1: Heartbeat would refuse it; 2: usage error.
One line per problem, ``FILE:LINE: error|warning: CODE text``, then a ``note: HR290`` line
per resource naming the file it runs (the search of :mod:`ha_agents.config.search`,
the same as ``run``'s); failover.cf's own problems (HF6xx, which make ``run`` refuse to
start: exit 1 too) and, per ``monitor`` line, its check run once here and timed
(commands/_monitors.py; HF609 interval shorter than the check); ``--json`` prints one
document ``{"ok", "diagnostics", "config"}`` on stdout.  See docs/config.md.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import sys
from dataclasses import fields, is_dataclass

from ha_agents.commands._monitors import monitor_diagnostics
from ha_agents.config.diagnostics import Severity, has_errors
from ha_agents.config.hacf import parse_hacf
from ha_agents.config.lines import decode, show
from ha_agents.config.load import load_config, local_node_name, read_file
from ha_agents.config.model import ClusterConfig
from ha_agents.config.peer import compare
from ha_agents.resources.agents import SearchPaths
from ha_agents.resources.resolution import resolution_notes


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check",
        help="check a Heartbeat config dir (ha.cf, authkeys, haresources)",
        description="Say whether Heartbeat 3.0.6 would accept the config in DIR, and where "
        "each problem is.  Exit 0 accepted (warnings allowed), 1 refused, 2 usage.",
    )
    p.add_argument("--config-dir", default="/etc/ha.d", metavar="DIR")
    p.add_argument(
        "--node",
        metavar="NAME",
        help="this node's 'uname -n' (default: this machine's); DIR/nodeinfo, when present, "
        "names the node instead, as in Heartbeat",
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument(
        "--peer-config-dir",
        metavar="DIR2",
        help="another node's config dir: report the differences that break the cluster",
    )
    p.add_argument(
        "--remote",
        action="store_true",
        help="the files are for another machine: interface/device/program checks against "
        "this machine become warnings",
    )
    p.add_argument(
        "--allow-extensions",
        action="store_true",
        help="accept ha_agents-only features (sha256 keys) with a warning",
    )
    p.set_defaults(func=handle)


def _peer_node(peer_dir: str, me: str) -> str:
    """The peer's node name: its nodeinfo, else the first node in its ha.cf that isn't us."""
    info = read_file(os.path.join(peer_dir, "nodeinfo"), limit=65536)
    if info.data is not None and info.data.split():
        return local_node_name(peer_dir)
    got = read_file(os.path.join(peer_dir, "ha.cf"))
    if got.data is not None:
        hacf, _ = parse_hacf(decode(got.data), os.path.join(peer_dir, "ha.cf"))
        for n in hacf.nodes:
            if n.lower() != me.lower():
                return n
    return me


def handle(args: argparse.Namespace) -> int:
    node = local_node_name(args.config_dir, args.node)
    ext = bool(args.allow_extensions)
    cfg, diags = load_config(args.config_dir, node, extensions=ext, remote=bool(args.remote))
    refused = cfg is None or has_errors(diags)
    failover_errors = False
    if cfg is not None:
        diags.extend(resolution_notes(cfg.groups, SearchPaths(config_dir=args.config_dir)))
        found = monitor_diagnostics(args.config_dir, cfg, measure=not args.remote)
        failover_errors = has_errors(found)
        diags.extend(found)
    mismatch = False
    if args.peer_config_dir:
        peer_dir = str(args.peer_config_dir)
        peer_cfg, peer_diags = load_config(
            peer_dir, _peer_node(peer_dir, node), extensions=ext, remote=True
        )
        diags.extend(peer_diags)
        refused = refused or peer_cfg is None
        if cfg is not None and peer_cfg is not None:
            cmp = compare(cfg, peer_cfg)
            diags.extend(cmp)
            mismatch = has_errors(cmp)
    ok = not refused and not mismatch and not failover_errors
    if args.json:
        doc = {
            "ok": ok,
            "diagnostics": [d.as_dict() for d in diags],
            "config": to_jsonable(cfg) if cfg is not None else None,
        }
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    else:
        _write("".join(show(d.render(), limit=1 << 20) + "\n" for d in diags))
        errors = sum(1 for d in diags if d.severity is Severity.ERROR)
        warnings = sum(1 for d in diags if d.severity is Severity.WARNING)
        verdict = "Heartbeat 3.0.6 would accept it" if ok else "Heartbeat 3.0.6 would refuse it"
        if mismatch and not refused:
            verdict = (
                "Heartbeat 3.0.6 would start each node, but the two would not form one cluster"
            )
        elif failover_errors and not refused:
            verdict = "Heartbeat 3.0.6 would accept it; ha-agents run refuses failover.cf"
        summary = f"{args.config_dir}: {errors} error(s), {warnings} warning(s): {verdict}"
        sys.stderr.write(show(summary, limit=1 << 20) + "\n")
    return 0 if ok else 1


def _write(text: str) -> None:
    sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))


def to_jsonable(obj: object) -> object:
    """Model objects as JSON values; key material is never printed."""
    if isinstance(obj, ClusterConfig):
        d = _dc(obj)
        return d
    return _value(obj)


def _dc(obj: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        name = f.name
        val = getattr(obj, name)
        if name == "key" and isinstance(val, bytes):
            out["key"] = f"<{len(val)} bytes, not shown>"
            continue
        out[name] = _value(val)
    return out


def _value(val: object) -> object:
    if is_dataclass(val) and not isinstance(val, type):
        return _dc(val)
    if isinstance(val, enum.Enum):
        return val.value
    if isinstance(val, dict):
        return {str(k): _value(v) for k, v in val.items()}
    if isinstance(val, (list, tuple)):
        return [_value(v) for v in val]
    if isinstance(val, bytes):
        return f"<{len(val)} bytes>"
    if isinstance(val, str):
        return val.encode("utf-8", "backslashreplace").decode("utf-8")
    if val is None or isinstance(val, (int, float, bool)):
        return val
    return str(val)
