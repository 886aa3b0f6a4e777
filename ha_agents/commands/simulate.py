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

from ha_agents.config.diagnostics import has_errors, render_text
from ha_agents.export.simreport import as_dict
from ha_agents.export.simreport import render_text as render_prediction
from ha_agents.export.simulator import Fault, predict

DEFAULT_DURATION_S = 0.2


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


def _run(args: argparse.Namespace) -> int:
    from ha_agents.config.failovercf import load_options
    from ha_agents.config.load import load_config

    prog = "ha-agents simulate"
    try:
        default, named = parse_durations(args.script_duration)
    except ValueError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    cfg, diags = load_config(args.config_dir, args.node)
    if cfg is None or has_errors(diags):
        sys.stderr.write(render_text(diags))
        print(f"{prog}: {args.config_dir}: configuration has errors", file=sys.stderr)
        return 1
    options, problems = load_options(args.config_dir)
    if has_errors(problems):
        sys.stderr.write(render_text(problems))
        print(f"{prog}: {args.config_dir}: failover.cf has errors", file=sys.stderr)
        return 1
    names = {n.lower(): n for n in cfg.hacf.nodes}
    if args.node is not None:
        if args.node.lower() not in names:
            print(f"{prog}: --node {args.node}: not a node of ha.cf", file=sys.stderr)
            return 2
        node = names[args.node.lower()]
    else:
        homes = [g.node for g in cfg.groups if g.resources]
        node = names.get(homes[0].lower(), cfg.hacf.nodes[0]) if homes else cfg.hacf.nodes[0]
    if len(cfg.hacf.nodes) < 2:
        print(f"{prog}: ha.cf has a single node; there is nothing to fail over to", file=sys.stderr)
        return 1
    prediction = predict(cfg, Fault(args.fault), node, default, durations=named, options=options)
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
        help="node the fault hits (default: the home node of the first group); also the "
        "node the config is read as",
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
