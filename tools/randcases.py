#!/usr/bin/env python3
"""Random corpus cases, ground-truthed by real Heartbeat 3.0.6 (see tools/groundtruth.py).

Usage (root)::

    python3 tools/randcases.py SEED COUNT [valid|wild|mutate]

``wild`` perturbs everything (most results are refusals); ``valid`` starts from a sane
two-node config and adds one or two random directives, media, key files or haresources;
``mutate`` inserts, deletes, replaces, duplicates or re-cases a few characters of a
valid config (lexical corners: comments, commas, CRs, continuations).
Each case is written to tests/data/generated_configs/rand_rSEED_NNN with its
expected.json.
The same seed gives the same configs.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import groundtruth as gt

TIMES = [
    "1.5",
    ".5",
    "2ms",
    "0.001",
    "10us",
    "+1",
    "1",
    "2",
    "0.5",
    "500ms",
    "100ms",
    "10",
    "30",
    "120",
    "0",
    "2s",
    "abc",
    "1500MS",
    "3000us",
    "-1",
    "1.",
    "60",
]
DIRECTIVES = {
    "udpport ": ["65536", "65535", "694"],
    "logfacility ": ["mark", "kern", "auth", "LOCAL1"],
    "baud ": ["230400", "460800", "57600", "4800"],
    "rtprio ": ["1", "-5"],
    "crm ": ["on", "true", "y", "n"],
    "pacemaker ": ["respawn", "no", "minimal"],
    "msgfmt ": ["Classic"],
    "uuidfrom ": ["FILE"],
    "auto_failback ": ["Legacy", "n", "off"],
    "use_apphbd": ["yes"],
    "log_badpack": ["no"],
    "syslogmsgfmt": ["maybe", "false"],
    "coreroot": ["/tmp"],
    "stonith": ["null /etc/hostname", "null /nonexistent", "bogus /etc/hostname"],
    "failfast": ["hacluster /usr/libexec/heartbeat/ipfail", "root /bin/true"],
    "ping6": ["::1", "zzz"],
    "node": ["node3", "NODE2"],
    "keepalive": TIMES,
    "deadtime": TIMES,
    "warntime": TIMES,
    "initdead": TIMES,
    "deadping": TIMES,
    "udpport": ["694", "695", "0", "abc", "99999", "694x", "-5", "1"],
    "auto_failback": ["on", "off", "legacy", "yes", "maybe", "ON", "true", "0"],
    "nice_failback": ["on", "off", "maybe"],
    "logfacility": ["local0", "daemon", "LOCAL0", "none", "bogus", "user", "security", "local7"],
    "logfile": ["/var/log/ha-log", "/tmp/x"],
    "debugfile": ["/var/log/ha-debug"],
    "cluster": ["linux-ha", "prod"],
    "hopfudge": ["1", "abc", "-1", "300", "255"],
    "baud": ["19200", "9600", "12345", "115200", "1200", "38400"],
    "rtprio": ["5", "0", "99", "100", "abc"],
    "hbgenmethod": ["file", "time", "FILE", "foo"],
    "realtime": ["on", "off", "maybe"],
    "debug": ["0", "1", "abc", "256", "255", "-1"],
    "msgfmt": ["classic", "netstring", "xml"],
    "use_logd": ["no", "yes", "maybe"],
    "coredumps": ["true", "false", "maybe"],
    "crm": ["no", "yes", "off", "respawn", "maybe"],
    "pacemaker": ["off", "on", "false"],
    "autojoin": ["none", "any", "other", "maybe", "None"],
    "uuidfrom": ["file", "nodename", "foo"],
    "compression": ["zlib", "bz2", "gzip"],
    "compression_threshold": ["2", "abc", "10k"],
    "traditional_compression": ["yes", "no", "maybe"],
    "max_rexmit_delay": ["250", "abc"],
    "memreserve": ["6500", "abc"],
    "conn_logd_time": ["60", "abc"],
    "crmd_spawns_pengine": ["off"],
    "record_config_changes": ["off"],
    "enable_config_writes": ["on"],
    "env": ["FOO=bar", "FOO"],
    "quorum_server": ["qs"],
    "watchdog": ["/dev/null"],
    "ping": ["192.0.2.254", "192.0.2.999", "localhost", "gw.example"],
    "ping_group": ["g 192.0.2.253 192.0.2.254", "g", "g nohost.example"],
    "respawn": [
        "hacluster /usr/libexec/heartbeat/ipfail",
        "hacluster /usr/lib/heartbeat/ipfail",
        "hacluster ipfail",
        "nosuch /usr/libexec/heartbeat/ipfail",
    ],
    "apiauth": [
        "ipfail gid=haclient uid=hacluster",
        "ipfail",
        "ipfail uid=nosuch",
        "ipfail gid=haclient",
    ],
    "stonith_host": ["* null node1 node2", "* bogus x", "node1"],
    "KeepAlive": ["2"],
    "deadtme": ["30"],
    "hbaping": ["x"],
    "udp": ["eth0"],
}
MEDIA = [
    "mcast eth0 233.252.0.1 694 0 0",
    "mcast eth0 233.252.0.1 0 1 0",
    "ucast eth0 192.0.2.12 extra",
    "ucast eth0 localhost",
    "ucast eth1 192.0.2.12",
    "mcast eth1 233.252.0.1 694 1 0",
    "ucast6 eth0 node2",
    "bcast",
    "ucast eth0",
    "serial /dev/null",
    "bcast eth0",
    "bcast eth1",
    "bcast eth9",
    "bcast lo",
    "ucast eth0 192.0.2.12",
    "ucast eth0 node2",
    "ucast eth9 192.0.2.12",
    "mcast eth0 233.252.0.1 694 1 0",
    "mcast eth0 233.252.0.1 694 10 0",
    "mcast eth0 192.0.2.1 694 1 0",
    "mcast eth0 239.1.1.1 694 3 1",
    "serial /dev/ttyS0",
    "serial /dev/ttyS9",
    "ucast6 eth0 fe80::1",
    "mcast6 eth0 ff12::1:2:3:4 694 1 0",
    "bcast eth0,lo",
]
KEYS = [
    "auth 1\n1 sha1 k\n1 md5 j\n",
    "auth 1\nauth 1\n1 sha1 k\n",
    "auth 1\n 1 sha1 k\n",
    "auth 1\n1\tsha1 k\n\n# c\n",
    "auth 01\n1 sha1 k\n",
    "auth 1\n1 sha1 k\n2 crc\n",
    "auth 1 2\n1 sha1 k\n",
    "auth1\n1 sha1 k\n",
    "auth 15\n15 md5 k\n",
    "auth 1\n1 sha1 secret\n",
    'auth 1\n1 md5 "quoted"\n',
    "auth 2\n1 md5 a\n2 sha1 b\n",
    "auth 3\n1 md5 a\n",
    "auth 1\n1 crc\n",
    "auth 1\n1 MD5 x\n",
    "AUTH 1\n1 md5 x\n",
    "auth 1\n1 md5\n",
    "auth 1\n1 sha256 x\n",
    "# keys\nauth 1 # c\n1 sha1 k # not a comment\n",
    "auth 1\r\n1 sha1 k\r\n",
    "auth 16\n16 md5 k\n",
    "auth 0\n0 sha1 k\n",
    "",
    "auth 1\n1 crc x\n2 sha1 y\n",
    "auth 2\n1 crc x\n2 sha1 y\n",
]
RES = [
    "node1 IPaddr::192.0.2.50/24/eth0/192.0.2.255 httpd\n",
    "node1 MailTo::a@example.org\n",
    "node2 192.0.2.51\nnode1 192.0.2.50\n",
    "node1\n",
    "node1 192.0.2.50\\",
    "\\\nnode1 x\n",
    "NODE2 x\n",
    "node1 IPaddr::192.0.2.50/24 httpd\n",
    "node2 192.0.2.51\n",
    "node3 192.0.2.51\n",
    "NODE1 192.0.2.50\n",
    "",
    "node1 192.0.2.50 \\\n  Filesystem::/dev/sdb1::/data::ext4\nnode2 192.0.2.51\n",
    "node1 nosuch\r\n",
    "# only comments\n",
    "node1 192.0.2.50 # c \\\nnode9\n",
    "  node1 192.0.2.50\n\tnode2 x\n",
    "node1: 192.0.2.50\n",
]


MUTATE_BASE = {
    "ha.cf": "logfile /var/log/ha-log\nkeepalive 1\nwarntime 5\ndeadtime 10\ninitdead 30\n"
    "udpport 694\nbcast eth0\nmcast eth0 233.252.0.1 694 1 0\nucast eth0 192.0.2.12\n"
    "auto_failback on\nnode node1 node2\nping 192.0.2.254\n",
    "authkeys": "# keys\nauth 1\n1 sha1 0123456789abcdef\n2 md5 other\n",
    "haresources": "node1 IPaddr::192.0.2.50/24 httpd \\\n  192.0.2.51\nnode2 192.0.2.60\n",
}
MUTATE_ALPHABET = [*" \t\r\n,#\\=:./0123456789abcdefmsuxABC", "\x00", "\u00e9"]


def mutated(rng: random.Random) -> tuple[str, dict[str, str]]:
    files = dict(MUTATE_BASE)
    name = rng.choice(["ha.cf"] * 6 + ["authkeys"] * 2 + ["haresources"] * 2)
    t = list(files[name])
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["ins", "del", "rep", "dup", "case"])
        pos = rng.randrange(max(1, len(t)))
        if op == "ins":
            t[pos:pos] = [rng.choice(MUTATE_ALPHABET)]
        elif op == "del" and t:
            del t[pos : pos + rng.randint(1, 4)]
        elif op == "rep" and t:
            t[pos] = rng.choice(MUTATE_ALPHABET)
        elif op == "dup":
            lines = "".join(t).split("\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
            t = list("\n".join(lines))
        elif op == "case" and t:
            t[pos] = t[pos].swapcase()
    files[name] = "".join(t)
    return name, files


def main_mutate(seed: int, count: int) -> int:
    rng = random.Random(seed)
    for i in range(count):
        name, files = mutated(rng)
        d = gt.GENERATED / f"mut_m{seed}_{i:03d}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for f, text in files.items():
            (d / f).write_bytes(text.encode("utf-8"))
        desc = f"mutation of a valid config (seed {seed}): {name}"
        (d / "case.json").write_text(json.dumps({"description": desc}, indent=2) + "\n")
        v = gt.run_case(d)
        (d / "expected.json").write_text(json.dumps(v, indent=2) + "\n")
        print(d.name, "ACCEPT" if v["accepted"] else f"REFUSE rc={v['heartbeat_exit']}")
    return 0


def main() -> int:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "wild"
    if mode == "mutate":
        return main_mutate(seed, count)
    rng = random.Random(seed)
    out = gt.GENERATED
    out.mkdir(exist_ok=True)
    for i in range(count):
        name = f"rand_r{seed}_{i:03d}"
        lines = []
        if mode == "valid":
            lines = [
                rng.choice(["keepalive 1", "keepalive 500ms", "keepalive 2"]),
                "deadtime 10",
                rng.choice(
                    ["bcast eth0", "ucast eth0 192.0.2.12", "mcast eth0 233.252.0.1 694 1 0"]
                ),
                rng.choice(["node node1 node2", "node node1\nnode node2"]),
                "auto_failback on",
                "logfile /var/log/ha-log",
            ]
            for _ in range(rng.randint(1, 2)):
                if rng.random() < 0.2:
                    lines.append(rng.choice(MEDIA))
                else:
                    dd = rng.choice(list(DIRECTIVES))
                    lines.append(f"{dd} {rng.choice(DIRECTIVES[dd])}")
            rng.shuffle(lines)
        # mostly-sane skeleton with random perturbations
        if mode != "valid" and rng.random() < 0.9:
            lines.append(f"keepalive {rng.choice(['1', '2', '500ms', '100ms', '0.2'])}")
        if mode != "valid" and rng.random() < 0.9:
            lines.append(f"deadtime {rng.choice(['10', '30', '5', '2', '1'])}")
        if mode != "valid" and rng.random() < 0.5:
            lines.append(f"initdead {rng.choice(['60', '120', '10', '20'])}")
        for _ in range(rng.randint(0, 3) if mode != "valid" else 0):
            d = rng.choice(list(DIRECTIVES))
            lines.append(f"{d} {rng.choice(DIRECTIVES[d])}")
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2]) if mode != "valid" else 0):
            lines.append(rng.choice(MEDIA))
        nodes = (
            ""
            if mode == "valid"
            else rng.choice(
                [
                    "node node1 node2",
                    "node node1\nnode node2",
                    "node node1,node2",
                    "node NODE1 node2",
                    "node node2 node3",
                    "",
                ]
            )
        )
        lines.append(nodes)
        rng.shuffle(lines)
        hacf = "\n".join(lines) + "\n"
        if rng.random() < 0.05:
            hacf = hacf.replace("\n", "\r\n")
        d = out / name
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        (d / "ha.cf").write_text(hacf)
        pk = 0.4 if mode != "valid" else 0.12
        (d / "authkeys").write_text(rng.choice(KEYS) if rng.random() < pk else KEYS[0])
        (d / "haresources").write_text(rng.choice(RES) if rng.random() < pk else RES[0])
        meta = {"description": f"random config (seed {seed}) from tools' generator"}
        if rng.random() < (0.08 if mode != "valid" else 0.03):
            meta["modes"] = {"authkeys": rng.choice(["0644", "0640", "0400", "0660"])}
        (d / "case.json").write_text(json.dumps(meta, indent=2) + "\n")
        v = gt.run_case(d)
        (d / "expected.json").write_text(json.dumps(v, indent=2) + "\n")
        print(name, "ACCEPT" if v["accepted"] else f"REFUSE rc={v['heartbeat_exit']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
