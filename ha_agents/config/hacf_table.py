"""ha.cf directive tables: which directives exist, how their values are read, defaults.

Taken from Heartbeat 3.0.6's behaviour (docs/heartbeat/config.md and the ground-truth
corpus); pure data.
"""

from __future__ import annotations

VALUE_SEPARATORS = " \t\r\f\v,"

# Directives handed one word at a time (the last word wins).
TIME_DIRECTIVES = ("keepalive", "deadtime", "deadping", "initdead", "warntime")
BOOL_DIRECTIVES = (
    "realtime",
    "use_logd",
    "use_apphbd",
    "log_badpack",
    "syslogmsgfmt",
    "coredumps",
    "crmd_spawns_pengine",
    "traditional_compression",
    "record_config_changes",
    "record_pengine_inputs",
    "enable_config_writes",
)
# Numbers read with atoi-like leniency (``10x`` is 10; ``abc`` is refused).
INT_DIRECTIVES = ("compression_threshold", "max_rexmit_delay", "memreserve", "conn_logd_time")
CHOICES: dict[str, tuple[str, ...]] = {
    "hbgenmethod": ("file", "time"),
    "msgfmt": ("classic", "netstring"),
    "uuidfrom": ("file", "nodename"),
    "autojoin": ("none", "other", "any"),
    "compression": ("zlib", "bz2"),
}
CASELESS_CHOICES = frozenset({"autojoin"})
STRING_DIRECTIVES = (
    "cluster",
    "hopfudge",
    "logfile",
    "debugfile",
    "coreroot",
    "debug",
    "env",
    "quorum_server",
)
WORD_DIRECTIVES = (
    "node",
    *TIME_DIRECTIVES,
    *BOOL_DIRECTIVES,
    *INT_DIRECTIVES,
    *CHOICES,
    *STRING_DIRECTIVES,
    "watchdog",
    "baud",
    "udpport",
    "logfacility",
    "nice_failback",
    "auto_failback",
    "rtprio",
    "crm_daemon_dir",
    "crm",
    "pacemaker",
    # media taking each word as one link
    "bcast",
    "udp",
    "serial",
    "ping",
    "ping6",
)
LINE_DIRECTIVES = (
    "mcast",
    "mcast6",
    "ucast",
    "ucast6",
    "ping_group",
    "stonith",
    "stonith_host",
    "respawn",
    "failfast",
    "apiauth",
)
ALL_DIRECTIVES = (*WORD_DIRECTIVES, *LINE_DIRECTIVES)

# Accepted by Heartbeat 3.0.6 in haresources (v1) mode but without effect here.
NO_EFFECT = frozenset(
    {
        "crmd_spawns_pengine",
        "record_config_changes",
        "record_pengine_inputs",
        "enable_config_writes",
        "quorum_server",
        "env",
        "use_apphbd",
        "compression",
        "compression_threshold",
        "traditional_compression",
        "conn_logd_time",
        "memreserve",
        "coreroot",
        "coredumps",
        "hbgenmethod",
        "uuidfrom",
        "msgfmt",
        "apiauth",
        "stonith",
        "stonith_host",
        "hopfudge",
        "rtprio",
    }
)

PACEMAKER_TRUE = frozenset({"respawn", "minimal", "manual", "ccm-only", "valgrind"})

# Values cl_status hbparameter / HA_<name> show when the directive is not set.
DEFAULT_PARAMETERS: dict[str, str] = {
    "keepalive": "1000ms",
    "deadtime": "30000ms",
    "udpport": "694",
    "auto_failback": "legacy",
    "debug": "0",
    "cluster": "linux-ha",
    "baud": "19200",
    "hopfudge": "1",
    "autojoin": "none",
    "pacemaker": "false",
    "msgfmt": "classic",
    "compression": "zlib",
    "compression_threshold": "2",
    "traditional_compression": "no",
    "conn_logd_time": "60",
    "coredumps": "true",
    "hbgenmethod": "file",
    "log_badpack": "true",
    "max_rexmit_delay": "250",
    "memreserve": "6500",
    "realtime": "true",
    "syslogmsgfmt": "true",
    "uuidfrom": "file",
    "record_config_changes": "on",
    "record_pengine_inputs": "on",
    "enable_config_writes": "on",
}

# pyparsing: a line is a directive word and the rest of the line.
