"""Which ERROR/CRIT log lines a step may produce (pure: text in, lines out).

Heartbeat's CTS counts every line matching its ``BadRegexes`` (cts/CM_hb.py: ``ERROR:``,
``CRIT.*:``, ``Both machines own .* resources!``, ...) as "BadNews" unless the running
test lists it in ``errorstoignore()`` (Split_brain: "Both machines own.*resources",
"CRIT: Cluster node .* returning after partition", lost/rexmit packets; DetectionTime:
ccm losing heartbeat).  Here the same idea is one explicit table: for each system and
test kind, the lines that kind explains and why.  A line no row explains fails the step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BAD = re.compile(r"(?:^|\s)(?:ERROR|CRIT):|Both machines own .* resources!|No one owns")


@dataclass(frozen=True)
class Allowed:
    pattern: str
    why: str

    def explains(self, line: str) -> bool:
        return re.search(self.pattern, line) is not None


def _rows(*pairs: tuple[str, str]) -> tuple[Allowed, ...]:
    return tuple(Allowed(p, w) for p, w in pairs)


# -- the explanations, shared by several kinds ------------------------------------------
HB_PARTITION = _rows(
    (r"CRIT: Cluster node \S+ returning after partition", "the peer was declared dead"),
    (r"CRIT: Late heartbeat: Node \S+: interval \d+ ms \(> deadtime\)", "first one after heal"),
    (r"ERROR: Both machines own (our|foreign) resources!", "both took the group while apart"),
    (r"Both machines own .* resources!", "both took the group while apart"),
    (r"ERROR: .*lost a lot of packets!", "packets lost while apart (CTS ignores it)"),
    (r"ERROR: Cannot rexmit pkt .*: seqno too low", "rexmit of a packet sent while apart"),
    (r"ERROR: Irretrievably lost packet", "packets lost while apart (CTS ignores it)"),
)
AG_PARTITION = _rows(
    (r"CRIT: Cluster node \S+ returning after partition", "the peer was declared dead"),
    (r"CRIT: Late heartbeat: Node \S+: interval \d+ ms \(> deadtime\)", "first one after heal"),
    (r"ERROR: Both machines own (our|foreign) resources!", "both took the group while apart"),
)
AG_FROZEN = _rows(
    (r"CRIT: Late heartbeat: Node \S+: interval \d+ ms \(> deadtime\)", "the peer was hung"),
)
HB_FROZEN = _rows(
    (r"ERROR: No local heartbeat\. Forcing restart\.", "its own heartbeat stopped while hung"),
)
HB_ANY = _rows(
    (
        r"ERROR: Cannot lock ourselves into memory",
        "every Heartbeat start in the lab (RLIMIT_MEMLOCK), not a cluster event",
    ),
)

#: system -> kind -> the ERROR/CRIT lines that kind explains ("*": any step).  Kinds not
#: listed explain none: a normal start, stop, restart or standby logs no ERROR or CRIT.
EXPLAINED: dict[str, dict[str, tuple[Allowed, ...]]] = {
    "heartbeat": {
        "*": HB_ANY,
        "SplitBrain": HB_PARTITION,
        "Hang": HB_PARTITION + HB_FROZEN,  # the hung node's own heartbeat is late too
    },
    "ha_agents": {
        "SplitBrain": AG_PARTITION,
        "Hang": AG_PARTITION + AG_FROZEN,
    },
}


def bad_lines(text: str) -> list[str]:
    """Every ERROR/CRIT line of a log excerpt."""
    return [line for line in text.splitlines() if BAD.search(line)]


def unexplained(system: str, kind: str, lines: list[str]) -> list[str]:
    """The bad lines that ``kind`` on ``system`` does not explain."""
    table = EXPLAINED.get(system, {})
    rows = table.get("*", ()) + table.get(kind, ())
    return [line for line in lines if not any(r.explains(line) for r in rows)]
