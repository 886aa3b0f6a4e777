"""Pure rules of the three conventions: status verdicts, argv, OCF params, resolution, env."""

from __future__ import annotations

import pytest

from ha_agents.config import search
from ha_agents.config.model import AutoFailback, ClusterConfig, HaCf, Location, ResourceSpec
from ha_agents.resources import env as script_env
from ha_agents.resources import heartbeat, lsb, ocf
from ha_agents.resources.agents import (
    Agent,
    AgentClass,
    ResolveError,
    SearchPaths,
    resolve,
    spec_from_text,
)
from ha_agents.resources.outcome import Operation, Status

LOC = Location("haresources", 1)


# The table of spec resources.md §3, verified against ResourceManager.
@pytest.mark.parametrize(
    ("stdout", "verdict"),
    [
        ("running", Status.RUNNING),
        ("Running", Status.RUNNING),
        ("xyzrunningxyz", Status.RUNNING),
        ("OK", Status.RUNNING),
        ("ok", Status.STOPPED),
        ("stopped", Status.STOPPED),
        ("active", Status.STOPPED),
        ("", Status.STOPPED),
        ("not running", Status.STOPPED),
        ("NOT Running", Status.STOPPED),
        ("is NOT RUNNING", Status.STOPPED),
        ("INFO:  Running OK", Status.RUNNING),
        ("INFO:  Resource is stopped", Status.STOPPED),
        ("nginx is running.", Status.RUNNING),
        ("service not\nrunning", Status.RUNNING),  # "not" then a newline, not a blank
        ("not yet\nrunning", Status.STOPPED),  # "not " ... "running" across lines
    ],
)
def test_heartbeat_status_verdict_follows_resourcemanager_case(
    stdout: str, verdict: Status
) -> None:
    assert heartbeat.status_verdict(stdout) is verdict


def test_heartbeat_argv_args_first_operation_last_resplit_on_blanks() -> None:
    assert heartbeat.argv("/rd/hbtest", ("a1", "a2"), Operation.START) == (
        "/rd/hbtest",
        "a1",
        "a2",
        "start",
    )
    assert heartbeat.argv("/rd/x", ("a b", "", "c"), Operation.STOP) == (
        "/rd/x",
        "a",
        "b",
        "c",
        "stop",
    )


def test_heartbeat_status_ignores_exit_code() -> None:
    out = heartbeat.interpret(Operation.STATUS, 3, "running\n")
    assert (out.ok, out.status) == (True, Status.RUNNING)


@pytest.mark.parametrize(
    ("rc", "status", "ok"),
    [
        (0, Status.RUNNING, True),
        (1, Status.STOPPED, True),
        (3, Status.STOPPED, True),
        (4, Status.FAILED, False),
        (150, Status.FAILED, False),
    ],
)
def test_lsb_status_codes(rc: int, status: Status, ok: bool) -> None:
    out = lsb.interpret(Operation.STATUS, rc)
    assert (out.status, out.ok) == (status, ok)


def test_lsb_start_failure_names_the_lsb_meaning() -> None:
    assert lsb.interpret(Operation.START, 5).reason == "exit 5 (program is not installed)"


def test_ocf_status_is_monitor_and_codes_0_7_other() -> None:
    assert ocf.argv("/ocf/Dummy", Operation.STATUS) == ("/ocf/Dummy", "monitor")
    assert ocf.interpret(Operation.STATUS, 0).status is Status.RUNNING
    assert ocf.interpret(Operation.STATUS, 7).status is Status.STOPPED
    failed = ocf.interpret(Operation.STATUS, 6)
    assert (failed.ok, failed.status, failed.reason) == (
        False,
        Status.FAILED,
        "exit 6 (OCF_ERR_CONFIGURED)",
    )


def test_ocf_params_keep_equals_and_blanks_in_values_and_report_bad_ones() -> None:
    params, errors = ocf.parse_params(["ip=192.0.2.5", "options=a=b c"])
    assert params == (("ip", "192.0.2.5"), ("options", "a=b c")) and errors == []
    _, errors = ocf.parse_params(["noequals", "1x=2", "ip=1", "ip=2"])
    assert [e.message.split()[0] for e in errors] == ["OCF", "OCF", "OCF"]
    assert len(errors) == 3


def test_ocf_instance_file_is_parsed_not_executed() -> None:
    text = "# c\nexport OCF_RESKEY_state='/tmp/a b'\nOCF_RESKEY_x=$(reboot)\nX=\"y\"\n"
    env, errors = ocf.parse_instance_file(text)
    assert env == {"OCF_RESKEY_state": "/tmp/a b", "OCF_RESKEY_x": "$(reboot)", "X": "y"}
    assert errors == []
    _, errors = ocf.parse_instance_file("bad line\nA=b c\n")
    assert len(errors) == 2


class FakeFS:
    def __init__(self, files: dict[str, str | None]) -> None:
        self.files = files  # path -> text (None: executable script)

    def is_executable(self, path: str) -> bool:
        return path in self.files and self.files[path] is None

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted({p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)})

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)


PATHS = SearchPaths("/etc/ha.d", ("/pkg/resource.d", "/usr/lib/ha_agents/resource.d"))


def spec(text: str) -> ResourceSpec:
    s = spec_from_text(text, LOC)
    assert isinstance(s, ResourceSpec)
    return s


def test_resolve_order_is_heartbeats_resource_d_then_init_d_then_ours() -> None:
    fs = FakeFS(
        {
            "/etc/ha.d/resource.d/IPaddr": None,
            "/pkg/resource.d/IPaddr": None,
            "/pkg/resource.d/httpd": None,
            "/pkg/resource.d/redis": None,
            "/usr/lib/ha_agents/resource.d/redis": None,
            "/usr/lib/ha_agents/resource.d/copied": None,
            "/etc/init.d/httpd": None,
            "/etc/init.d/lsbonly": None,
        }
    )
    a = resolve(spec("IPaddr::192.0.2.5"), PATHS, fs)
    assert a == Agent(
        "IPaddr::192.0.2.5",
        AgentClass.HEARTBEAT,
        "/etc/ha.d/resource.d/IPaddr",
        ("192.0.2.5",),
        where=search.Where.RESOURCE_D,
    )
    # /etc/init.d comes before our agents, as in Heartbeat's ResourceManager
    b = resolve(spec("httpd"), PATHS, fs)
    assert isinstance(b, Agent) and (b.cls, b.script) == (AgentClass.LSB, "/etc/init.d/httpd")
    for name, where in (("redis", "/pkg/resource.d"), ("copied", "/usr/lib/ha_agents/resource.d")):
        c = resolve(spec(name), PATHS, fs)
        assert isinstance(c, Agent) and c.script == f"{where}/{name}", name
        assert c.cls is AgentClass.HEARTBEAT and c.where is search.Where.OURS
    d = resolve(spec("lsbonly::x"), PATHS, fs)
    assert isinstance(d, Agent) and (d.cls, d.argv(Operation.STATUS)) == (
        AgentClass.LSB,
        ("/etc/init.d/lsbonly", "x", "status"),
    )
    missing = resolve(spec("nope"), PATHS, fs)
    assert isinstance(missing, ResolveError)
    assert "Cannot locate resource script nope" in missing.message


def test_resolve_under_another_config_dir_never_looks_in_etc_ha_d() -> None:
    """Heartbeat's resource.d is its config dir's: Delay in /etc/ha.d/resource.d does not
    serve --config-dir /srv/ha (check said it did while run failed at takeover)."""
    fs = FakeFS({"/etc/ha.d/resource.d/Delay": None, "/srv/ha/resource.d/mine": None})
    paths = SearchPaths("/srv/ha", ("/pkg/resource.d",))
    found = resolve(spec("Delay::1::1"), paths, fs)
    assert isinstance(found, ResolveError)
    assert "/srv/ha/resource.d/Delay" in found.message
    assert "/etc/ha.d" not in found.message
    assert isinstance(resolve(spec("mine"), paths, fs), Agent)


def test_a_path_is_a_script_only_where_the_command_line_allows_it() -> None:
    fs = FakeFS({"/x/agent": None})
    assert isinstance(resolve(spec("/x/agent"), PATHS, fs), ResolveError)
    allowed = SearchPaths("/etc/ha.d", (), allow_path=True)
    a = resolve(spec("/x/agent::1"), allowed, fs)
    assert isinstance(a, Agent) and a.argv(Operation.START) == ("/x/agent", "1", "start")


def test_bare_ip_is_ipaddr_shorthand() -> None:
    assert spec("192.0.2.51") == ResourceSpec("IPaddr", ("192.0.2.51",), "192.0.2.51", LOC)


def test_resolve_ocf_colon_form_with_params() -> None:
    fs = FakeFS({"/usr/lib/ocf/resource.d/heartbeat/IPaddr2": None})
    a = resolve(spec("ocf:heartbeat:IPaddr2::ip=192.0.2.5::cidr_netmask=24"), PATHS, fs)
    assert isinstance(a, Agent) and a.cls is AgentClass.OCF
    env = a.env()
    assert env["OCF_RESKEY_ip"] == "192.0.2.5" and env["OCF_RESKEY_cidr_netmask"] == "24"
    assert env["OCF_RESOURCE_INSTANCE"] == "IPaddr2_192.0.2.5" and env["OCF_ROOT"] == "/usr/lib/ocf"
    assert a.argv(Operation.STATUS) == ("/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "monitor")
    for bad in ("ocf:heartbeat", "ocf:../x:y", "ocf:heartbeat:IPaddr2::ip"):
        assert isinstance(resolve(spec(bad), PATHS, fs), ResolveError), bad


def test_resolve_heartbeat_ocf_instance_form_maps_status_to_monitor() -> None:
    fs = FakeFS(
        {
            "/usr/lib/ocf/resource.d/pacemaker/Dummy": None,
            "/usr/lib/ocf/resource.d/heartbeat/Dummy": None,
            "/etc/ha.d/conf/OCF/Dummy/inst1": "OCF_RESKEY_state=/tmp/s\n",
        }
    )
    a = resolve(spec("OCF::Dummy::inst1"), PATHS, fs)
    assert isinstance(a, Agent)
    assert a.script == "/usr/lib/ocf/resource.d/heartbeat/Dummy"
    assert a.env()["OCF_RESKEY_state"] == "/tmp/s" and a.env()["OCF_RESOURCE_INSTANCE"] == "inst1"
    assert a.argv(Operation.STATUS)[-1] == "monitor"
    assert a.interpret(Operation.STATUS, 7, "").status is Status.STOPPED
    assert isinstance(resolve(spec("OCF::Dummy::nope"), PATHS, fs), ResolveError)
    assert isinstance(resolve(spec("OCF::Dummy"), PATHS, fs), ResolveError)


def test_forced_class_accepts_a_path() -> None:
    fs = FakeFS({"/x/agent": None})
    a = resolve(spec("/x/agent::p=1"), PATHS, fs, force=AgentClass.OCF)
    assert isinstance(a, Agent) and a.cls is AgentClass.OCF and a.env()["OCF_RESKEY_p"] == "1"
    b = resolve(spec("/x/agent"), PATHS, fs, force=AgentClass.LSB)
    assert isinstance(b, Agent) and b.argv(Operation.START) == ("/x/agent", "start")


def test_spec_with_blank_is_an_error() -> None:
    assert isinstance(spec_from_text("IPaddr::a b"), ResolveError)


def test_env_has_heartbeats_variables_and_ha_cf_parameters() -> None:
    hacf = HaCf(
        nodes=("n1", "n2"),
        media=(),
        auto_failback=AutoFailback.ON,
        logfile="/var/log/ha-log",
        parameters={"keepalive": "1", "deadtime": "6"},
    )
    cfg = ClusterConfig("/etc/ha.d", hacf, None, (), "n1")  # type: ignore[arg-type]
    env = script_env.build(
        {"PATH": "/bin", "HOME": "/root"},
        script_env.from_cluster(cfg, python="/venv/bin/python"),
        message={"t": "ip-request-resp", "src": "n1"},
    )
    assert env["HA_keepalive"] == "1" and env["HA_deadtime"] == "6"
    assert env["HA_CURHOST"] == "n1" and env["HA_NICEFAILBACK"] == "yes"
    assert (
        env["HA_RESOURCEDIR"] == "/etc/ha.d//resource.d"
        and env["HA_FUNCS"] == "/etc/ha.d/shellfuncs"
    )
    assert env["OCF_ROOT"] == "/usr/lib/ocf" and env["LC_ALL"] == "C"
    assert env["PATH"] == "/usr/libexec/heartbeat:/usr/sbin:/usr/share/heartbeat:/bin"
    assert env["HA_t"] == "ip-request-resp" and env["HA_LOGFILE"] == "/var/log/ha-log"
    assert env["HOME"] == "/root" and env["HA_AGENTS_PYTHON"] == "/venv/bin/python"


@pytest.mark.parametrize(("raw", "n"), [("", 10), ("3", 3), ("0", 0), ("-1", -1), ("x", 10)])
def test_stop_retry_max_from_env(raw: str, n: int) -> None:
    assert script_env.stop_retry_max({"HA_STOPRETRYMAX": raw} if raw else {}) == n
