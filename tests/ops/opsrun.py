"""Until commands/run.py builds the OpsDaemon (see /tmp/hainfo/ops-integration.md):
``python tests/ops/opsrun.py run ARGS`` = ``ha-agents run ARGS`` with the ops features."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ha_agents.commands import run as run_cmd
from ha_agents.ops import runargs


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    run_cmd.register(sub)
    runargs.add_arguments(sub.choices["run"])
    args = parser.parse_args(sys.argv[1:])
    from ha_agents.config.diagnostics import has_errors, render_text
    from ha_agents.config.load import load_config
    from ha_agents.daemon.logsetup import HbLog
    from ha_agents.daemon.loop import Paths
    from ha_agents.ops.daemon import OpsDaemon

    config, diags = load_config(args.config_dir, args.node)
    if diags:
        sys.stderr.write(render_text(diags))
    if config is None or has_errors(diags):
        return 1
    hacf = config.hacf
    log = HbLog(config.local_node, hacf.logfile, hacf.debugfile, hacf.logfacility)
    log.info("Configuration validated. Starting ha_agents")
    upper = run_cmd._load_upper(config, log)
    daemon = OpsDaemon(
        config,
        Paths(Path(args.state_dir), Path(args.run_dir)),
        log,
        upper=upper[0] if upper else None,  # type: ignore[arg-type]
        executor=upper[1] if upper else None,  # type: ignore[arg-type]
        ops=runargs.options(args),
    )
    try:
        return asyncio.run(daemon.run())
    finally:
        log.close()


if __name__ == "__main__":
    raise SystemExit(main())
