"""Hypothesis: any bytes, and any mutation of a valid config, never raise; a refusal
always comes with an error diagnostic pointing at a real FILE:LINE."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ha_agents.config.diagnostics import Severity
from ha_agents.config.host import StaticHost
from ha_agents.config.load import load_config

VALID = {
    "ha.cf": b"logfile /var/log/ha-log\nkeepalive 1\ndeadtime 10\ninitdead 30\nudpport 694\n"
    b"bcast eth0\nmcast eth0 233.252.0.1 694 1 0\nauto_failback on\nnode node1 node2\n",
    "authkeys": b"auth 1\n1 sha1 0123456789abcdef\n",
    "haresources": b"node1 IPaddr::192.0.2.50/24 httpd \\\n  192.0.2.51\n",
}
HOST = StaticHost(executables=frozenset({"/etc/init.d/httpd"}))
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(d: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        p = d / name
        p.write_bytes(data)
        if name == "authkeys":
            p.chmod(0o600)
    cfg, diags = load_config(str(d), "node1", host=HOST)
    assert not any(x.code == "HX499" for x in diags), [x.render() for x in diags]
    for x in diags:
        assert x.line >= 1
        name = Path(x.path).name
        data = files.get(name, b"")
        assert x.line <= max(1, data.count(b"\n") + 1), x.render()
        x.render().encode("utf-8")  # printable: no lone surrogates
    if cfg is None:
        assert any(x.severity is Severity.ERROR for x in diags)
    else:
        assert not any(x.severity is Severity.ERROR for x in diags)


@SETTINGS
@given(
    name=st.sampled_from(sorted(VALID)),
    data=st.binary(max_size=2000),
)
def test_random_bytes_never_raise(tmp_path_factory: object, name: str, data: bytes) -> None:
    d = tmp_path_factory.mktemp("rb")  # type: ignore[attr-defined]
    _check(d, {**VALID, name: data})


_ALPHABET = st.sampled_from([*" \t\r\n#\\,:=/.0123456789abcdefmsu", "\x00", "\xff", "é"])


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(VALID)))
    text = bytearray(VALID[name])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dupline", "swapcase"]))
        pos = draw(st.integers(0, max(0, len(text) - 1)))
        if op == "insert":
            text[pos:pos] = draw(_ALPHABET).encode("utf-8")
        elif op == "delete" and text:
            del text[pos : pos + draw(st.integers(1, 8))]
        elif op == "replace" and text:
            text[pos : pos + 1] = draw(_ALPHABET).encode("utf-8")
        elif op == "dupline":
            lines = bytes(text).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = bytearray(b"\n".join(lines))
        elif op == "swapcase" and text:
            text[pos : pos + 1] = bytes(text[pos : pos + 1]).swapcase()
    return name, bytes(text)


@SETTINGS
@given(mut=mutations())
def test_mutations_of_valid_files_never_raise(
    tmp_path_factory: object, mut: tuple[str, bytes]
) -> None:
    d = tmp_path_factory.mktemp("mut")  # type: ignore[attr-defined]
    name, data = mut
    _check(d, {**VALID, name: data})


def test_the_valid_base_is_accepted(tmp_path: Path) -> None:
    for name, data in VALID.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "authkeys").chmod(0o600)
    cfg, diags = load_config(str(tmp_path), "node1", host=HOST)
    assert cfg is not None, [x.render() for x in diags]
