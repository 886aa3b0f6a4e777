"""Keys that are published, so they sign nothing: HK315 (pure).

A cluster whose authkeys holds one of these accepts messages from anyone who read the
same example: ha_agents' example configuration (``conf/authkeys``, shipped in the
package) and the sample authkeys of Heartbeat's documentation
(/usr/share/doc/heartbeat/authkeys of the Debian package: ``HI!``, ``Hello!``).
"""

from __future__ import annotations

from ha_agents.config.diagnostics import Diagnostic, warning
from ha_agents.config.model import AuthKeys

PUBLISHED = {
    b"1a07b9e1bcab04f2c2b152f5593a9d5f7e2012f4": "ha_agents' example conf/authkeys",
    b"HI!": "Heartbeat's sample authkeys",
    b"Hello!": "Heartbeat's sample authkeys",
}
GENERATE = 'python3 -c "import secrets; print(secrets.token_hex(20))"'


def published_keys(keys: AuthKeys) -> list[Diagnostic]:
    """HK315 for every key line whose key is a published example key."""
    out: list[Diagnostic] = []
    for index in sorted(keys.keys):
        key = keys.keys[index]
        origin = PUBLISHED.get(key.key)
        if origin is not None:
            out.append(
                warning(
                    key.loc.path,
                    key.loc.line,
                    "HK315",
                    f"key {index} is the published key of {origin}: anyone can sign "
                    f"messages for this cluster; make a new one ({GENERATE}) and put the "
                    "same file on every node",
                )
            )
    return out
