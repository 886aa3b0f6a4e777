"""Remove what crashed labs left behind: their processes, namespaces and temp dirs.

Only namespaces named ``hal<...>-<name>`` (the lab family) are considered, and of those
only labs whose owner process is gone (or that have no registry record): a lab that a
running test owns is never touched.  Processes inside a stale namespace are found by
namespace inode and killed by PID.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

from tests.lab import procs, registry


@dataclass
class CleanupReport:
    removed_namespaces: list[str] = field(default_factory=list)
    killed_pids: list[int] = field(default_factory=list)
    skipped_live_labs: list[str] = field(default_factory=list)
    removed_tmpdirs: list[str] = field(default_factory=list)


def cleanup(prefix: str = registry.FAMILY, dry_run: bool = False) -> CleanupReport:
    """Remove stale labs whose tag starts with ``prefix`` (which must start with "hal")."""
    report = CleanupReport()
    groups = registry.lab_namespaces(prefix)
    tags = set(groups) | {t for t in registry.recorded_tags() if t.startswith(prefix)}
    for tag in sorted(tags):
        record = registry.read_record(tag)
        if record is not None and record.owner_alive():
            report.skipped_live_labs.append(tag)
            continue
        namespaces = groups.get(tag, [])
        for netns in namespaces:
            inode = procs.ns_inode(f"/run/netns/{netns}")
            if inode is None:
                continue
            pids = procs.pids_in_ns("net", inode)
            report.killed_pids.extend(pids)
            if not dry_run:
                procs.terminate(pids, grace=1.0)
        for netns in namespaces:
            report.removed_namespaces.append(netns)
            if not dry_run:
                subprocess.run(["ip", "netns", "delete", netns], capture_output=True, check=False)
        if record is not None:
            for d in record.tmpdirs:
                if "/" + tag in d or d.rsplit("/", 1)[-1].startswith(tag):
                    report.removed_tmpdirs.append(d)
                    if not dry_run:
                        shutil.rmtree(d, ignore_errors=True)
        if not dry_run:
            registry.remove_record(tag)
    return report
