"""``ha-agents check`` on client programs: a missing respawn program is an error (as
Heartbeat refuses to start), with where Debian's package put it; apiauth is live."""

from __future__ import annotations

from pathlib import Path

from ha_agents.config.crosscheck import moved
from ha_agents.config.host import StaticHost
from ha_agents.config.load import load_config

HOST = StaticHost(executables=frozenset({"/usr/libexec/heartbeat/ipfail"}))


def test_moved_hint_names_the_new_place() -> None:
    hint = moved("/usr/lib/heartbeat/ipfail", HOST)
    assert hint == " (Debian's heartbeat package installs it as /usr/libexec/heartbeat/ipfail)"
    assert moved("/usr/lib/heartbeat/dopd", HOST) == ""  # not there either: no hint
    assert moved("/opt/ipfail", HOST) == ""


def test_check_reports_the_old_ipfail_path(tmp_path: Path) -> None:
    (tmp_path / "ha.cf").write_text(
        "keepalive 1\ndeadtime 10\nbcast lo\nnode node1\nnode node2\n"
        "respawn hacluster /usr/lib/heartbeat/ipfail\napiauth ipfail gid=haclient uid=hacluster\n"
    )
    (tmp_path / "authkeys").write_text("auth 1\n1 sha1 secret\n")
    (tmp_path / "authkeys").chmod(0o600)
    (tmp_path / "haresources").write_text("")
    _config, diags = load_config(str(tmp_path), "node1")
    by_code = {d.code: d for d in diags}
    assert by_code["HA132"].line == 6
    assert "/usr/libexec/heartbeat/ipfail" in by_code["HA132"].message
    assert not [d for d in diags if d.code == "HA160" and "apiauth" in d.message]
