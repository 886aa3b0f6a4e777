"""`ha-agents export pacemaker|keepalived`: the same cluster for another cluster stack.

pacemaker: corosync.conf + the resources as a CIB (cib.xml), a crmsh script (crm.txt) or
a pcs script (pcs.sh).  keepalived: keepalived-<node>.conf for every node and the notify
script ha-agents-notify.  Everything that does not map is a warning (EX6xx) on stderr with
the haresources/ha.cf line and the manual step.  Exit: 0 written, 1 config error or file
problem, 2 usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ha_agents.config.diagnostics import Diagnostic, Severity, render_text
from ha_agents.config.model import ClusterConfig
from ha_agents.export import discover
from ha_agents.export.cib import render_cib
from ha_agents.export.corosync import NodeAddresses, links, node_addresses, render_corosync
from ha_agents.export.crmsh import render_crmsh
from ha_agents.export.keepalived import NOTIFY_SCRIPT, render_keepalived, render_notify_script
from ha_agents.export.notes import UNKNOWN_SCRIPT
from ha_agents.export.pcs import render_pcs
from ha_agents.export.plan import build_plan

RESOURCE_FILES = {"cib": "cib.xml", "crmsh": "crm.txt", "pcs": "pcs.sh"}


class UsageError(Exception):
    pass


def parse_node_addresses(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``["node1=192.0.2.11,198.51.100.11"]`` -> {"node1": (...)} (names lower-cased)."""
    result: dict[str, tuple[str, ...]] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise UsageError(f"--node-address {value!r}: expected NAME=IP[,IP...]")
        addrs = tuple(a.strip() for a in rest.split(","))
        for a in addrs:
            try:
                ipaddress.ip_address(a)
            except ValueError:
                raise UsageError(f"--node-address {value!r}: {a!r} is not an IP address") from None
        result[name.lower()] = addrs
    return result


def _load(args: argparse.Namespace) -> tuple[ClusterConfig | None, list[Diagnostic]]:
    from ha_agents.config.crosscheck import TWO_NODE_RESOURCES
    from ha_agents.config.load import load_config

    # haresources on more than two nodes: ha_agents will not run it, Pacemaker will (so,
    # here, a warning: this export is the way out that the error points at)
    if args.target != "pacemaker":
        return load_config(args.config_dir, args.node)
    cfg, diags = load_config(args.config_dir, args.node, tolerate=frozenset({TWO_NODE_RESOURCES}))
    return cfg, [
        dataclasses.replace(d, severity=Severity.WARNING) if d.code == TWO_NODE_RESOURCES else d
        for d in diags
    ]


def _addresses(args: argparse.Namespace, cfg: ClusterConfig) -> NodeAddresses:
    from ha_agents.config.load import local_node_name

    given = parse_node_addresses(args.node_address)
    unknown = sorted(set(given) - {n.lower() for n in cfg.hacf.nodes})
    if unknown:
        raise UsageError(f"--node-address: {', '.join(unknown)} not a node of ha.cf")
    here = args.node is None or args.node.lower() == local_node_name(args.config_dir).lower()
    return NodeAddresses(given, discover.local_ifaddrs() if here else {})


def _pacemaker(
    args: argparse.Namespace, cfg: ClusterConfig
) -> tuple[dict[str, str], list[Diagnostic]]:
    corosync_text, diags = render_corosync(cfg, _addresses(args, cfg))
    plan, more = build_plan(cfg, discover.script_info(cfg, args.init_dir))
    diags += more
    manual = [d.message for d in more if d.code == UNKNOWN_SCRIPT]
    if args.format == "cib":
        resources = render_cib(plan)
    elif args.format == "crmsh":
        resources = render_crmsh(plan, manual)
    else:
        resources = render_pcs(plan, manual)
    return {"corosync.conf": corosync_text, RESOURCE_FILES[args.format]: resources}, diags


def _keepalived(
    args: argparse.Namespace, cfg: ClusterConfig
) -> tuple[dict[str, str], list[Diagnostic]]:
    if not 1 <= args.vrid_base <= 255:
        raise UsageError("--vrid-base must be 1..255")
    link_list, _ = links(cfg)
    addresses, _ = node_addresses(cfg, link_list, _addresses(args, cfg))
    files: dict[str, str] = {}
    diags: list[Diagnostic] = []
    for node in cfg.hacf.nodes:
        text, more = render_keepalived(cfg, node, addresses, args.vrid_base, args.notify_script)
        files[f"keepalived-{node}.conf"] = text
        if not diags:
            diags = more  # the same groups give the same warnings for every node
    files["ha-agents-notify"] = render_notify_script(
        cfg,
        notify_command(args.ha_agents),
        args.vrid_base,
        args.notify_script,
        config_dir=os.path.abspath(args.config_dir),
    )
    return files, diags


def notify_command(given: str | None) -> tuple[str, ...]:
    """The ha-agents command the notify script runs, as absolute argv words.

    keepalived runs the script from ``/`` with its own PATH, so a bare name would not be
    found: ``--ha-agents CMD`` is looked up on PATH now; by default, the command running
    this export (``/usr/bin/ha-agents`` of the .deb, ``/opt/ha-agents/bin/ha-agents`` of
    a venv, or this Python with ``-m ha_agents``)."""
    if given:
        words = shlex.split(given)
        found = shutil.which(words[0]) if words else None
        if found is None:
            raise UsageError(f"--ha-agents {given!r}: no such command")
        return (os.path.abspath(found), *words[1:])
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "ha-agents" and os.path.isfile(argv0):
        return (os.path.abspath(argv0),)
    return (sys.executable, "-m", "ha_agents")


def _write(files: dict[str, str], out: Path, force: bool) -> tuple[list[str], list[str]]:
    """Write every file; one that exists with the same text is left as it is (the three
    pacemaker formats share corosync.conf), one with other text needs ``--force``."""
    differ = [
        name
        for name, text in files.items()
        if (out / name).exists() and (out / name).read_bytes() != text.encode()
    ]
    if differ and not force:
        raise OSError(
            f"{out}: {', '.join(differ)} already there with other content (exported with "
            "other options or from other files?); use --force to replace"
        )
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    kept: list[str] = []
    for name, text in files.items():
        path = out / name
        if path.exists() and path.read_bytes() == text.encode():
            kept.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            written.append(str(path))
        if name.endswith(".sh") or name == "ha-agents-notify":
            path.chmod(0o755)
    return written, kept


def _run(args: argparse.Namespace) -> int:
    prog = f"ha-agents export {args.target}"
    try:
        cfg, diags = _load(args)
    except ImportError:
        print(f"{prog}: the config loader is not available in this build", file=sys.stderr)
        return 1
    if cfg is None:
        sys.stderr.write(render_text(diags))
        print(
            f"{prog}: {args.config_dir}: configuration has errors, nothing exported",
            file=sys.stderr,
        )
        return 1
    try:
        files, notes = (_pacemaker if args.target == "pacemaker" else _keepalived)(args, cfg)
    except UsageError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    all_diags = diags + notes
    written: list[str] = []
    kept: list[str] = []
    if args.output_dir is not None:
        try:
            written, kept = _write(files, Path(args.output_dir), args.force)
        except OSError as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return 1
    if args.json:
        doc = {
            "files": files,
            "written": written,
            "kept": kept,
            "diagnostics": [d.as_dict() for d in all_diags],
        }
        print(json.dumps(doc, indent=2))
        return 0
    sys.stderr.write(render_text(all_diags))
    if args.output_dir is None:
        for name, text in files.items():
            sys.stdout.write(f"#### {name}\n{text}")
    for path in written:
        print(f"wrote {path}")
    for path in kept:
        print(f"kept {path} (already there, same content)")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-dir", default="/etc/ha.d", help="default: /etc/ha.d")
    p.add_argument(
        "--node",
        default=None,
        help="export as this node (default: nodeinfo / uname -n); needed on a machine "
        "that is not a cluster node",
    )
    p.add_argument(
        "--node-address",
        action="append",
        default=[],
        metavar="NAME=IP[,IP...]",
        help="a node's address on each link, in link order (repeatable); needed when ha.cf "
        "uses bcast/mcast or the export runs elsewhere",
    )
    p.add_argument("--output-dir", default=None, help="write files here (default: stdout)")
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.add_argument("--json", action="store_true", help="one JSON document: files + diagnostics")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="convert ha.cf + haresources to Pacemaker/Corosync or keepalived",
        description=__doc__.split("\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    targets = p.add_subparsers(dest="target", metavar="TARGET", required=True)
    pm = targets.add_parser("pacemaker", help="corosync.conf + CIB / crmsh / pcs")
    _common(pm)
    pm.add_argument("--format", choices=sorted(RESOURCE_FILES), default="cib")
    pm.add_argument(
        "--init-dir", default="/etc/init.d", help="where init scripts live (default /etc/init.d)"
    )
    pm.set_defaults(func=_run)
    ka = targets.add_parser("keepalived", help="keepalived.conf per node + notify script")
    _common(ka)
    ka.add_argument("--vrid-base", type=int, default=51, help="first virtual_router_id (51)")
    ka.add_argument(
        "--ha-agents",
        default=None,
        metavar="CMD",
        help="the ha-agents command the notify script runs, found on PATH now (default: "
        "the one running this export)",
    )
    ka.add_argument(
        "--notify-script",
        default=NOTIFY_SCRIPT,
        help=f"where ha-agents-notify will be installed (default {NOTIFY_SCRIPT})",
    )
    ka.set_defaults(func=_run)
