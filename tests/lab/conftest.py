"""Fixtures for the lab's own tests: a fresh Lab per test, always closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab import Lab


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("t") as lab:
        yield lab
