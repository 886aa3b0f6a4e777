"""Export diagnostics (codes EX6xx): what did not map, where it came from, what to do.

All are warnings: the export is still written, but the user has a manual step.  Codes are
stable; docs/migration.md lists them.
"""

from __future__ import annotations

from ha_agents.config.diagnostics import Diagnostic, warning
from ha_agents.config.model import Location

UNKNOWN_SCRIPT = "EX601"  # heartbeat-class script Pacemaker cannot run
BAD_ARGS = "EX602"  # resource arguments the Heartbeat wrapper would refuse
NO_FENCING = "EX603"  # stonith-enabled=false
CRC_AUTH = "EX604"  # authkeys crc -> no corosync crypto
NEW_KEY = "EX605"  # corosync-keygen needed
NO_ADDRESS = "EX606"  # node address unknown -> placeholder
SERIAL_LINK = "EX607"  # serial medium has no corosync equivalent
TOO_MANY_LINKS = "EX608"  # knet has at most 8 links
DUPLICATE_RESOURCE = "EX609"  # same resource in two groups
EMPTY_GROUP = "EX610"  # haresources line without resources
PING_WITHOUT_IPFAIL = "EX611"  # ping nodes did nothing in Heartbeat without ipfail
NO_FSTYPE = "EX612"  # Filesystem without fstype
INSTALL_AGENT = "EX613"  # ha_agents agent must be installed as OCF agent
OCF_INSTANCE = "EX614"  # OCF::AGENT::INSTANCE without readable instance file
LEGACY_FAILBACK = "EX615"  # auto_failback legacy treated as on
NO_VRRP_INTERFACE = "EX616"  # keepalived: interface guessed / unknown
NOT_IN_VRRP = "EX617"  # keepalived: group without an address has no VRRP instance
MULTICAST_LINK = "EX618"  # mcast/bcast become knet unicast
ASSUMED_LSB = "EX619"  # script not found here; assumed to be an init script
STONITH_DIRECTIVE = "EX620"  # legacy stonith directives are not converted
SHORT_DEADTIME = "EX621"  # deadtime shorter than corosync's floor
FENCE_DEVICE = "EX622"  # a legacy stonith directive became a fence device: test it


def note(loc: Location | None, code: str, message: str, fallback_path: str = "ha.cf") -> Diagnostic:
    """A warning at ``loc`` (or line 1 of ``fallback_path`` when the value has no line)."""
    if loc is None:
        return warning(fallback_path, 1, code, message)
    return warning(loc.path, loc.line, code, message)
