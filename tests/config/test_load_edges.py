"""load_config on hostile file systems: never raises, always a FILE:LINE error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ha_agents.config.diagnostics import Severity
from ha_agents.config.host import StaticHost
from ha_agents.config.load import MAX_BYTES, load_config, local_node_name

HACF = "keepalive 1\ndeadtime 10\nbcast eth0\nnode node1 node2\nauto_failback on\nlogfile /x\n"
HOST = StaticHost()


def _dir(tmp_path: Path) -> Path:
    (tmp_path / "ha.cf").write_text(HACF)
    (tmp_path / "authkeys").write_text("auth 1\n1 sha1 k\n")
    (tmp_path / "authkeys").chmod(0o600)
    (tmp_path / "haresources").write_text("node1 192.0.2.50\n")
    return tmp_path


def _errors(tmp_path: Path) -> list[tuple[str, int, str]]:
    cfg, diags = load_config(str(tmp_path), "node1", host=HOST)
    errs = [
        (os.path.basename(d.path), d.line, d.code) for d in diags if d.severity is Severity.ERROR
    ]
    assert (cfg is None) == bool(errs)
    return errs


def test_baseline_is_accepted(tmp_path: Path) -> None:
    assert _errors(_dir(tmp_path)) == []


@pytest.mark.parametrize(
    "name,code", [("ha.cf", "HA101"), ("authkeys", "HK300"), ("haresources", "HR200")]
)
def test_missing_directory_loop_fifo_huge(tmp_path: Path, name: str, code: str) -> None:
    d = _dir(tmp_path)
    (d / name).unlink()
    assert _errors(d) == [(name, 1, code)]
    (d / name).mkdir()
    # Heartbeat reads a haresources directory as an empty file (verified: it starts)
    assert ((name, 1, code) in _errors(d)) == (name != "haresources")
    (d / name).rmdir()
    (d / name).symlink_to(name)  # loop
    assert (name, 1, code) in _errors(d)
    (d / name).unlink()
    os.mkfifo(d / name)  # must not block
    assert (name, 1, code) in _errors(d)
    (d / name).unlink()
    (d / name).write_bytes(b"#" * (MAX_BYTES + 10))
    if name == "authkeys":
        (d / name).chmod(0o600)
    assert (name, 1, code) in _errors(d)


def _errors_as_nobody(d: Path) -> list[tuple[str, int, str]]:
    """_errors() in a forked child that dropped root (uid/gid 65534)."""
    import json

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            _cfg, diags = load_config(str(d), "node1", host=HOST)
            errs = [
                (os.path.basename(x.path), x.line, x.code)
                for x in diags
                if x.severity is Severity.ERROR
            ]
            os.write(w, json.dumps(errs).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return [tuple(x) for x in json.loads(data)]  # type: ignore[misc]


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        d = _dir(tmp_path)
        (d / "ha.cf").chmod(0)
        assert ("ha.cf", 1, "HA101") in _errors(d)
        return
    import shutil
    import tempfile

    # root reads everything: check as uid 65534, in a directory it may enter
    top = Path(tempfile.mkdtemp(prefix="ha-unreadable-", dir="/tmp"))
    try:
        top.chmod(0o755)
        d = _dir(top)
        (d / "ha.cf").chmod(0)
        (d / "authkeys").chmod(0o644)  # readable by nobody (and refused for its mode)
        errs = _errors_as_nobody(d)
        assert ("ha.cf", 1, "HA101") in errs
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_missing_config_dir(tmp_path: Path) -> None:
    cfg, diags = load_config(str(tmp_path / "nope"), "node1", host=HOST)
    assert cfg is None and {d.code for d in diags} >= {"HA101", "HK300", "HR200"}


def test_local_node_name_prefers_nodeinfo(tmp_path: Path) -> None:
    assert local_node_name(str(tmp_path)) == os.uname().nodename
    (tmp_path / "nodeinfo").write_text("alpha extra\nbeta\n")
    assert local_node_name(str(tmp_path)) == "alpha"


def test_symlinked_files_are_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    _dir(real)
    d = tmp_path / "d"
    d.mkdir()
    for name in ("ha.cf", "authkeys", "haresources"):
        (d / name).symlink_to(real / name)
    assert _errors(d) == []


def test_cluster_config_fields(tmp_path: Path) -> None:
    cfg, _ = load_config(str(_dir(tmp_path)), "NODE1", host=HOST)
    assert cfg is not None
    assert cfg.local_node == "node1" and cfg.peers == ("node2",)
    assert cfg.groups[0].key == "192.0.2.50"
    assert cfg.authkeys.signing_key.key == b"k"


def test_repeated_lines_are_summarised_not_printed_100000_times(tmp_path: Path) -> None:
    d = _dir(tmp_path)
    (d / "ha.cf").write_text(HACF + "keepalive 1\n" * 50000)
    cfg, diags = load_config(str(d), "node1", host=HOST)
    assert cfg is not None
    ha153 = [x for x in diags if x.code == "HA153"]
    assert len(ha153) == 20
    more = [x for x in diags if x.code == "HX498"]
    assert len(more) == 1 and "49980 more HA153" in more[0].message


def test_home_node_gets_ha_cf_spelling(tmp_path: Path) -> None:
    d = _dir(tmp_path)
    (d / "haresources").write_text("NODE1 192.0.2.50\n")
    cfg, _ = load_config(str(d), "node1", host=HOST)
    assert cfg is not None and cfg.groups[0].node == "node1"
