"""EDGE: read a Heartbeat config dir (files, modes, the machine) and build the config.

``load_config`` never raises on any input: missing, unreadable, huge or binary files,
directories, FIFOs, symlink loops all become diagnostics.  Paths in diagnostics are
``os.path.join(config_dir, NAME)`` -- the directory as the caller gave it.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import grp
import os
import pwd
import socket
import stat
import struct
from dataclasses import dataclass

from ha_agents.config import search
from ha_agents.config.authkeys import parse_authkeys
from ha_agents.config.crosscheck import check_auth_media, check_groups, check_host
from ha_agents.config.diagnostics import Diagnostic, error, has_errors, warning
from ha_agents.config.hacf import parse_hacf
from ha_agents.config.hacf_rules import check_hacf
from ha_agents.config.haresources import parse_haresources
from ha_agents.config.host import HostFacts
from ha_agents.config.knownkeys import published_keys
from ha_agents.config.lines import decode, words
from ha_agents.config.model import ClusterConfig, ResourceGroup
from ha_agents.config.values import is_ipv6

MAX_BYTES = 1 << 20  # a config file larger than 1 MiB is refused
MAX_PER_CODE = 20  # diagnostics shown per file and code
STONITH_PLUGINS = "/usr/lib/stonith/plugins"
_SIOCGIFADDR = 0x8915
_SIOCGIFBRDADDR = 0x8919


@dataclass(frozen=True, slots=True)
class FileRead:
    data: bytes | None  # None: could not be read (see problem)
    mode: int | None
    problem: str | None = None


def read_file(path: str, limit: int = MAX_BYTES) -> FileRead:
    """Read a config file without ever blocking or raising (FIFOs, devices, loops...)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        return FileRead(None, None, _why(exc))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return FileRead(None, st.st_mode, "is a directory, not a file")
        if stat.S_ISCHR(st.st_mode) and _is_dev_null(st):
            return FileRead(b"", st.st_mode)  # reads as an empty file, as for Heartbeat
        if not stat.S_ISREG(st.st_mode):
            return FileRead(None, st.st_mode, "is not a regular file")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            return FileRead(None, st.st_mode, f"is larger than {limit // 1024} KiB")
        return FileRead(b"".join(chunks), st.st_mode)
    except OSError as exc:
        return FileRead(None, None, _why(exc))
    finally:
        os.close(fd)


def _is_dev_null(st: os.stat_result) -> bool:
    try:
        null = os.stat("/dev/null")
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and null.st_rdev == st.st_rdev


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "does not exist"
    if exc.errno == errno.ELOOP:
        return "cannot be opened: symbolic link loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def uname_node() -> str:
    return os.uname().nodename


def local_node_name(config_dir: str, default: str | None = None) -> str:
    """This node's name as Heartbeat finds it: the first word of ``<config_dir>/nodeinfo``,
    else ``default`` (what ``--node`` says ``uname -n`` is), else ``uname -n``."""
    got = read_file(os.path.join(config_dir, "nodeinfo"), limit=65536)
    if got.data is not None:
        w = words(decode(got.data).split("\n", 1)[0])
        if w:
            return w[0]
    return default if default else uname_node()


class RealHost:
    """HostFacts answered from this machine (network namespace, files, /etc/hosts)."""

    def __init__(self, hosts_file: str = "/etc/hosts") -> None:
        try:
            self._ifaces = {name for _i, name in socket.if_nameindex()}
        except OSError:
            self._ifaces = set()
        self._names, self._names6 = self._read_hosts(hosts_file)

    @staticmethod
    def _read_hosts(path: str) -> tuple[set[str], set[str]]:
        """Names with an IPv4 address, and names with an IPv6 address, in /etc/hosts."""
        got = read_file(path)
        names: set[str] = set()
        names6: set[str] = set()
        if got.data is None:
            return names, names6
        for line in decode(got.data).split("\n"):
            w = words(line.split("#", 1)[0])
            if len(w) < 2:
                continue
            (names6 if ":" in w[0] else names).update(x.lower() for x in w[1:])
        return names, names6

    def interface_exists(self, name: str) -> bool:
        return name in self._ifaces

    def _ioctl_ok(self, name: str, request: int) -> bool:
        if name not in self._ifaces or len(name.encode(errors="replace")) >= 16:
            return False
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                fcntl.ioctl(s.fileno(), request, struct.pack("256s", name.encode()))
        except (OSError, UnicodeError):
            return False
        return True

    def has_broadcast(self, name: str) -> bool:
        """SIOCGIFBRDADDR works (what Heartbeat's bcast asks): an IPv4 address is set."""
        return self._ioctl_ok(name, _SIOCGIFBRDADDR)

    def has_ipv4(self, name: str) -> bool:
        """SIOCGIFADDR works (what Heartbeat's mcast asks)."""
        return self._ioctl_ok(name, _SIOCGIFADDR)

    def is_serial_device(self, path: str) -> bool:
        """A character device that is not one of the memory devices (/dev/null...)."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return False
        return stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) != 1

    def path_exists(self, path: str) -> bool:
        try:
            os.stat(path)
        except (OSError, ValueError):
            return False
        return True

    def is_executable(self, path: str) -> bool:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return False
        return stat.S_ISREG(st.st_mode) and os.access(path, os.X_OK)

    def resolves(self, host: str) -> bool:
        """IPv4: numeric addresses (as inet_aton reads them) and /etc/hosts names; no DNS."""
        if "\0" in host:
            return False
        try:
            socket.inet_aton(host)
        except (OSError, ValueError, UnicodeError):
            pass
        else:
            return True
        return host.lower() in self._names

    def resolves6(self, host: str) -> bool:
        """IPv6: numeric addresses and /etc/hosts names with an IPv6 address; no DNS."""
        return is_ipv6(host) or host.lower() in self._names6

    def user_exists(self, name: str) -> bool:
        try:
            pwd.getpwnam(name)
        except (KeyError, ValueError, UnicodeError):
            return False
        return True

    def group_exists(self, name: str) -> bool:
        try:
            grp.getgrnam(name)
        except (KeyError, ValueError, UnicodeError):
            return False
        return True

    def stonith_type_exists(self, name: str) -> bool:
        """A STONITH plugin: stonith2/TYPE.so or external/NAME under STONITH_PLUGINS."""
        if "\0" in name or ".." in name:
            return False
        if name.startswith("external/"):
            return self.is_executable(os.path.join(STONITH_PLUGINS, name))
        if "/" in name:
            return False
        return self.path_exists(os.path.join(STONITH_PLUGINS, "stonith2", name + ".so"))


def limit_repeats(diags: list[Diagnostic], keep: int = MAX_PER_CODE) -> list[Diagnostic]:
    """At most ``keep`` diagnostics per (file, code), then one line saying how many more.

    A 1 MiB file of repeated lines must not print 100 000 warnings; an error is never
    dropped without a trace (the summary keeps its severity).
    """
    counts: dict[tuple[str, str], int] = {}
    out: list[Diagnostic] = []
    hidden: dict[tuple[str, str], tuple[Diagnostic, int]] = {}
    for d in diags:
        k = (d.path, d.code)
        counts[k] = counts.get(k, 0) + 1
        if counts[k] <= keep:
            out.append(d)
        else:
            first, n = hidden.get(k, (d, 0))
            hidden[k] = (first, n + 1)
    for (path, code), (first, n) in hidden.items():
        out.append(
            Diagnostic(
                path,
                first.line,
                first.severity,
                "HX498",
                f"{n} more {code} {first.severity.value}s in this file not shown "
                f"(first at line {first.line})",
            )
        )
    return out


def _text(
    path: str, code: str, diags: list[Diagnostic], what: str
) -> tuple[str | None, int | None]:
    got = read_file(path)
    if got.data is None and code == "HR200" and got.mode is not None and stat.S_ISDIR(got.mode):
        # Heartbeat opens it, reads nothing and carries on with no resource groups
        diags.append(warning(path, 1, code, "haresources is a directory: read as empty"))
        return "", got.mode
    if got.data is None:
        hint = ""
        if got.problem == "does not exist":
            hint = f"; Heartbeat cannot start without its {what}"
        diags.append(error(path, 1, code, f"{what} {got.problem}{hint}"))
        return None, got.mode
    if code != "HK300" and got.mode is not None and stat.S_ISREG(got.mode) and got.mode & 0o022:
        # authkeys has its own, stricter rule (HK3xx: no group/other access at all)
        diags.append(error(path, 1, "HX403", _writable_by_others(path, what, got.mode)))
    return decode(got.data), got.mode


def _writable_by_others(path: str, what: str, mode: int) -> str:
    via = ""
    if os.path.islink(path):
        via = f" (through the symlink to {os.path.realpath(path)})"
    return (
        f"{what} is writable by group/others, mode {mode & 0o777:04o}{via}: anyone could "
        "change the cluster (haresources runs scripts as root); chmod go-w it.  "
        "ha_agents refuses this; Heartbeat 3.0.6 does not check it"
    )


def load_config(
    config_dir: str,
    node: str | None = None,
    *,
    extensions: bool = True,
    remote: bool = False,
    host: HostFacts | None = None,
    agent_dirs: tuple[str, ...] | None = None,
    tolerate: frozenset[str] = frozenset(),
) -> tuple[ClusterConfig | None, list[Diagnostic]]:
    """Read ha.cf, authkeys and haresources from ``config_dir``.

    Returns the config (None when Heartbeat 3.0.6 would refuse it) and every problem
    found.  ``node`` is this machine's ``uname -n`` (default: the real one); as in
    Heartbeat, ``config_dir/nodeinfo`` overrides it when present.
    ``extensions``: allow ha_agents-only features (sha256 keys) as warnings.
    ``remote``: the files belong to another machine, so checks against this machine
    (interfaces, devices, programs, names) are only warnings.
    ``agent_dirs``: ha_agents' own agent directories (default: where this install has them).
    ``tolerate``: error codes that still give a config (the export reads a cluster that
    ha_agents refuses to run, HR209); they stay in the diagnostics.
    """
    dirs = search.agent_dirs() if agent_dirs is None else agent_dirs
    try:
        return _load(config_dir, node, extensions, remote, host, dirs, tolerate)
    except Exception as exc:
        path = os.path.join(config_dir, "ha.cf")
        return None, [error(path, 1, "HX499", f"internal error while checking: {exc!r}")]


def _load(
    config_dir: str,
    node: str | None,
    extensions: bool,
    remote: bool,
    host: HostFacts | None,
    agent_dirs: tuple[str, ...],
    tolerate: frozenset[str],
) -> tuple[ClusterConfig | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    facts: HostFacts = host if host is not None else RealHost()
    local = local_node_name(config_dir, node)
    hacf_path = os.path.join(config_dir, "ha.cf")
    keys_path = os.path.join(config_dir, "authkeys")
    res_path = os.path.join(config_dir, "haresources")

    hacf_text, _ = _text(hacf_path, "HA101", diags, "ha.cf")
    hacf = None
    if hacf_text is not None:
        hacf, d = parse_hacf(hacf_text, hacf_path)
        diags.extend(d)

    keys_text, keys_mode = _text(keys_path, "HK300", diags, "authkeys")
    keys = None
    if keys_text is not None:
        keys, d = parse_authkeys(keys_text, keys_path, mode=keys_mode, extensions=extensions)
        diags.extend(d)
        if keys is not None:
            diags.extend(published_keys(keys))

    res_text, _ = _text(res_path, "HR200", diags, "haresources")
    groups: tuple[ResourceGroup, ...] = ()
    if res_text is not None:
        groups, d = parse_haresources(res_text, res_path)
        diags.extend(d)

    if hacf is not None:
        diags.extend(check_hacf(hacf, hacf_path, local))
        diags.extend(check_host(hacf, facts, remote))
        if keys is not None:
            diags.extend(check_auth_media(keys, hacf))
        diags.extend(check_groups(groups, hacf, facts, config_dir, agent_dirs))

    order = {hacf_path: 0, keys_path: 1, res_path: 2}
    diags.sort(key=lambda d: (order.get(d.path, 3), d.line))
    diags = limit_repeats(diags)
    if hacf is None or keys is None or has_errors([d for d in diags if d.code not in tolerate]):
        return None, diags
    spelled = next((n for n in hacf.nodes if n.lower() == local.lower()), local)
    # home nodes compare case-insensitively: give consumers ha.cf's spelling
    by_lower = {n.lower(): n for n in hacf.nodes}
    groups = tuple(
        dataclasses.replace(g, node=by_lower.get(g.node.lower(), g.node)) for g in groups
    )
    return ClusterConfig(config_dir, hacf, keys, groups, spelled), diags
