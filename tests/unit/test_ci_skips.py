"""Under CI=true a skipped test fails (tests/conftest.py): CI has every tool, so a skip
there would hide a broken install step."""

from __future__ import annotations

import pytest

SAMPLE = """
import pytest

def test_needs_a_tool():
    pytest.skip("needs frobnicate")

@pytest.mark.skipif(True, reason="needs the widget package")
def test_marked():
    pass

def test_plain():
    pass
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str) -> pytest.RunResult:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401\n")
    pytester.makepyfile(SAMPLE)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_skips_fail_under_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, "true")
    result.assert_outcomes(passed=1, failed=1, errors=1)  # a skipif mark fails in setup
    result.stdout.fnmatch_lines(["*skipped under CI=true*needs frobnicate*"])


def test_skips_stay_skips_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(pytester, monkeypatch, "")
    result.assert_outcomes(passed=1, skipped=2)
