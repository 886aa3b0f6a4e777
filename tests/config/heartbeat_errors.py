"""Where Heartbeat 3.0.6's refusal points: which file, and which value on which line.

Heartbeat's ERROR lines name no line number, but most name the file and the offending
value (``Illegal directive [deadtme] in /etc/ha.d//ha.cf``).  ``blame(log)`` reads the
ERROR lines of a recorded run (tests/data/*/expected.json) with this table and returns
``(file, value)`` for each it can place; the test then asks that ``check`` refused with
an error in one of those files on a line holding the value.  Some of Heartbeat's ERROR
lines are only advice (``nice_failback flag is obsolete``, an unknown ping host:
``ADVICE``) and place nothing; the refusal's own lines may be several, and any one of
them agreeing is enough.  Generic lines
(``Heartbeat not started: configuration error.``) place nothing.
"""

from __future__ import annotations

import re

#: (pattern of Heartbeat's ERROR text, the file it is about, the group holding the value)
TABLE: tuple[tuple[re.Pattern[str], str, int | None], ...] = tuple(
    (re.compile(pattern), file, group)
    for pattern, file, group in (
        (r"Illegal directive \[(.*)\] in \S*ha\.cf", "ha.cf", 1),
        (r"Bad nodename in \S*haresources \[(.*)\]", "haresources", 1),
        (r"glib: +mcast6? \[.*\] bad (?:addr|ttl|port|loop|hops) \[(.*)\]", "ha.cf", 1),
        (r"glib: +mcast6? \[.*\] missing", "ha.cf", None),
        (r"glib: ucast6? \[.*\] bad addr \[(.*)\]", "ha.cf", 1),
        (r"glib: ucast.*(?:cannot resolve|missing target|without device|invalid)", "ha.cf", None),
        (r"glib: mcast6? (?:statement without device|device)", "ha.cf", None),
        (r"glib: Get broadcast for interface (\S+) failed", "ha.cf", 1),
        (r"glib: Nonexistent serial port \[(.*)\]", "ha.cf", 1),
        (r"glib: Unable to retrieve local interface address for interface \[(.*)\]", "ha.cf", 1),
        (r"Invalid uuidfrom directive \[(.*)\]", "ha.cf", 1),
        (r"No heartbeat media defined", "ha.cf", None),
        (r"no nodes defined", "ha.cf", None),
        (r"Illegal realtime priority \[(.*)\]", "ha.cf", 1),
        (r"(?:Ping )?[Dd]ead time \[.*\] is too small", "ha.cf", None),
        (r"Initial dead time \[.*\] is smaller", "ha.cf", None),
        (r"Current node \[(.*)\] not in configuration", "ha.cf", None),
        (r"Illegal ping6? \[(.*)\] in config file", "ha.cf", 1),
        (r"Illegal hb generation method \[(.*)\]", "ha.cf", 1),
        (r"Invalid uid \[(.*)\] specified for client child", "ha.cf", 1),
        (r"Invalid user id name \[(.*)\]", "ha.cf", 1),
        (r"Invalid group name \[(.*)\]", "ha.cf", 1),
        (r"Client child command \[(.*)\] is not", "ha.cf", 1),
        (r"Invalid apiauth directive|Missing uid or gid in apiauth", "ha.cf", None),
        (r"Invalid Stonith type|No Stonith (?:type|hostname)|glib: Cannot open", "ha.cf", None),
        (r"glib: external_run_cmd", "ha.cf", None),
        (r"Compression module\((.*)\) not found", "ha.cf", 1),
        (r"set_compression_threshold|set_traditional_compression", "ha.cf", None),
        (r"Invalid max_rexmit_delay", "ha.cf", None),
        (r"RN style resource management conflicts with", "ha.cf", None),
        (r"Invalid autojoin directive \[(.*)\]", "ha.cf", 1),
        (r"Log facility\((.*)\) not valid", "ha.cf", 1),
        (r"Failed to add pacemaker client child|pacemaker/crm directive used", "ha.cf", None),
        (r"Bad permissions on keyfile", "authkeys", None),
        (r"Auth Key \[(.*)\] not found in keyfile", "authkeys", None),
        (r"Missing auth directive in keyfile", "authkeys", None),
        (r"Invalid authnum \[(.*)\]", "authkeys", None),
        (r"(?:Invalid auth line|Auth line) \[", "authkeys", None),
        (r"LoadPlugin on (.*) returned", "authkeys", 1),
        (r"Auth method \[.*\] requires a key", "authkeys", None),
        (r"Authentication configuration error", "authkeys", None),
        (r"Cannot open keyfile", "authkeys", None),
        (r"Cannot open resources file", "haresources", None),
        (r"Cannot open config file", "ha.cf", None),
    )
)


#: ERROR lines that are only advice: Heartbeat goes on (a ping host it cannot resolve is
#: left out; nice_failback is converted), so they place nothing.
ADVICE = re.compile(r"glib: unknown host:|nice_failback|Consider converting|When you do|See doc")


def blame(log: list[object]) -> list[tuple[str, str | None]]:
    """(file, value) of every ERROR line of Heartbeat's that the table places."""
    out: list[tuple[str, str | None]] = []
    for line in log:
        text = str(line)
        if "ERROR:" not in text or ADVICE.search(text):
            continue
        for pattern, file, group in TABLE:
            m = pattern.search(text)
            if m is not None:
                out.append((file, m.group(group) if group is not None else None))
                break
    return out
