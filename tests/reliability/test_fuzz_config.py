"""Hostile config files through ``load_config``: it never raises, never hides a crash as
an internal-error diagnostic, and every diagnostic names one of the files at a line
that exists (file:line)."""

from __future__ import annotations

import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ha_agents.config.load import load_config

from .forge import REPO, mutate

NAMES = ("ha.cf", "haresources", "authkeys")
SAMPLES = {name: (REPO / "conf" / name).read_bytes() for name in NAMES}
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
INTERESTING = [
    b"\\\n", b"\0", b"\xff\xfe", b"#", b"\r\n", b"node ", b"ucast eth0 ", b"auth 1\n",
    b"1 sha1 ", b"IPaddr::", b"::", b"9" * 40, b"-1", b"keepalive 0\n", b"include /etc/passwd\n",
    b"\t", b" " * 5000, b"\xc3\x28", b"\xe2\x80\xae", b"deadtime 1e999\n",
]  # fmt: skip


def _lines(data: bytes) -> int:
    return data.count(b"\n") + 1


def check_dir(d: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (d / name).write_bytes(data)
    os.chmod(d / "authkeys", 0o600)
    config, diags = load_config(str(d), "node1")
    for diag in diags:
        assert diag.code != "HX499", diag.render()  # an exception caught inside
        base = os.path.basename(diag.path)
        assert os.path.dirname(diag.path) == str(d), diag.render()
        assert diag.line >= 1, diag.render()
        if base in files:
            assert diag.line <= _lines(files[base]) + 1, (diag.render(), files[base][:200])
        assert diag.render().startswith(f"{diag.path}:{diag.line}: ")
    if config is None:
        assert diags  # refused, and says why


@FUZZ
@given(st.sampled_from(NAMES), st.integers(0, 2**32))
def test_mutated_sample_configs_give_diagnostics_not_tracebacks(
    tmp_path: Path, name: str, seed: int
) -> None:
    rnd = random.Random(seed)
    files = dict(SAMPLES)
    data = files[name]
    for _ in range(rnd.randint(1, 3)):
        if rnd.random() < 0.5:
            data = mutate(data, rnd)
        else:
            at = rnd.randrange(len(data) + 1)
            data = data[:at] + rnd.choice(INTERESTING) + data[at:]
    files[name] = data
    check_dir(tmp_path, files)


@FUZZ
@given(st.sampled_from(NAMES), st.binary(max_size=3000))
def test_random_bytes_as_a_config_file(tmp_path: Path, name: str, data: bytes) -> None:
    files = dict(SAMPLES)
    files[name] = data
    check_dir(tmp_path, files)


@FUZZ
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=80),
        max_size=30,
    )
)
def test_random_text_lines_in_ha_cf(tmp_path: Path, lines: list[str]) -> None:
    files = dict(SAMPLES)
    files["ha.cf"] = SAMPLES["ha.cf"] + "\n".join(lines).encode("utf-8", "surrogatepass")
    check_dir(tmp_path, files)


def test_a_huge_config_file_is_refused_with_a_diagnostic(tmp_path: Path) -> None:
    files = dict(SAMPLES)
    files["haresources"] = b"node1 " + b"IPaddr::192.0.2.50 " * 100000
    check_dir(tmp_path, files)
    _config, diags = load_config(str(tmp_path), "node1")
    assert any(d.path.endswith("haresources") for d in diags)
