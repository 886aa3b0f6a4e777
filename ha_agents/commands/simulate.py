"""`ha-agents simulate`: what would happen on a fault, predicted from the config.

Runs every node's real membership and failover engines on a virtual clock (no sockets, no
scripts) and prints the timeline: who notices what when, which messages go, which resources
stop and start where, and the predicted client-visible outage.  failover.cf is read too:
with ``monitor`` lines, ``--fault service-kill`` / ``service-hang`` show the restart in
place or the move.  Exit: 0, 1 config error, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from ha_agents.config.diagnostics import Diagnostic, has_errors, render_text
from ha_agents.config.model import ClusterConfig, MediumKind
from ha_agents.export.simreport import as_dict
from ha_agents.export.simreport import render_text as render_prediction
from ha_agents.export.simulator import Fault, predict

DEFAULT_DURATION_S = 0.2
NOT_A_NODE = "HA142"  # this machine is not in the node list


class UsageError(Exception):
    pass


def parse_durations(values: list[str]) -> tuple[float, dict[str, float]]:
    """``["0.3", "lighttpd=1.5"]`` -> (default 0.3, {"lighttpd": 1.5}); ValueError if bad."""
    default = DEFAULT_DURATION_S
    named: dict[str, float] = {}
    for value in values:
        name, sep, number = value.rpartition("=")
        try:
            seconds = float(number)
        except ValueError:
            raise ValueError(f"--script-duration {value!r}: expected S or NAME=S") from None
        if not (math.isfinite(seconds) and 0 <= seconds <= 3600):
            raise ValueError(f"--script-duration {value!r}: seconds must be 0..3600")
        if sep and not name:
            raise ValueError(f"--script-duration {value!r}: empty script name")
        if sep:
            named[name] = seconds
        else:
            default = seconds
    return default, named


def _load(args: argparse.Namespace) -> tuple[ClusterConfig | None, list[Diagnostic]]:
    """The files as this machine reads them when it is one of the nodes (or as
    ``--node``); on any other machine (a workstation, a test box) as their own nodes,
    without checking this machine's interfaces: the simulation needs none of them."""
    from ha_agents.config.load import load_config, local_node_name

    node = args.node
    remote = node is not None and node.lower() != local_node_name(args.config_dir).lower()
    cfg, diags = load_config(args.config_dir, node, remote=remote)
    if node is None and any(d.code == NOT_A_NODE for d in diags):
        cfg, diags = load_config(
            args.config_dir, None, remote=True, tolerate=frozenset({NOT_A_NODE})
        )
        diags = [d for d in diags if d.code != NOT_A_NODE]
    return cfg, diags


def _fault_node(args: argparse.Namespace, cfg: ClusterConfig) -> str:
    names = {n.lower(): n for n in cfg.hacf.nodes}
    if args.node is not None:
        if args.node.lower() not in names:
            raise UsageError(f"--node {args.node}: not a node of ha.cf")
        return names[args.node.lower()]
    homes = [g.node for g in cfg.groups if g.resources]
    return names.get(homes[0].lower(), cfg.hacf.nodes[0]) if homes else cfg.hacf.nodes[0]


def _link(args: argparse.Namespace, cfg: ClusterConfig) -> str | None:
    if args.link is None:
        return None
    if args.fault != Fault.LINKDOWN.value:
        raise UsageError("--link goes with --fault linkdown")
    links = list(
        dict.fromkeys(m.link_name for m in cfg.hacf.media if m.kind is not MediumKind.SERIAL)
    )
    if args.link not in links:
        raise UsageError(f"--link {args.link}: not a link of ha.cf ({', '.join(links)})")
    return str(args.link)


def _run(args: argparse.Namespace) -> int:
    from ha_agents.config.failovercf import load_options

    prog = "ha-agents simulate"
    try:
        default, named = parse_durations(args.script_duration)
    except ValueError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    cfg, diags = _load(args)
    if cfg is None or has_errors(diags):
        sys.stderr.write(render_text(diags))
        print(f"{prog}: {args.config_dir}: configuration has errors", file=sys.stderr)
        return 1
    options, problems = load_options(args.config_dir)
    if has_errors(problems):
        sys.stderr.write(render_text(problems))
        print(f"{prog}: {args.config_dir}: failover.cf has errors", file=sys.stderr)
        return 1
    try:
        node, link = _fault_node(args, cfg), _link(args, cfg)
    except UsageError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    if len(cfg.hacf.nodes) < 2:
        print(f"{prog}: ha.cf has a single node; there is nothing to fail over to", file=sys.stderr)
        return 1
    prediction = predict(
        cfg, Fault(args.fault), node, default, durations=named, link=link, options=options
    )
    if args.json:
        print(json.dumps(as_dict(prediction), indent=2))
    else:
        sys.stdout.write(render_prediction(cfg, prediction, default, named))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="predict the timeline and outage of a fault from the config",
        description=__doc__.split("\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config-dir", default="/etc/ha.d", help="default: /etc/ha.d")
    p.add_argument("--fault", choices=[f.value for f in Fault], default=Fault.KILL.value)
    p.add_argument(
        "--node",
        default=None,
        help="node the fault hits (default: the home node of the first group); the files "
        "are read as this machine when it is a node, else as the cluster's nodes",
    )
    p.add_argument(
        "--link",
        default=None,
        metavar="NAME",
        help="with --fault linkdown: cut only this link (an interface of ha.cf's media, e.g. "
        "eth1); the default cuts every link",
    )
    p.add_argument(
        "--script-duration",
        action="append",
        default=[],
        metavar="S|NAME=S",
        help="seconds each resource start/stop takes (default 0.2); NAME=S for one script "
        "(e.g. lighttpd=1.5; repeatable). Measure yours with 'ha-agents resource start --json'",
    )
    p.add_argument("--json", action="store_true", help="one JSON document")
    p.set_defaults(func=_run)
