"""Fixtures of the resource tests: a namespace lab with two hosts on one segment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def lab2() -> Iterator[tuple[Any, Any, Any]]:
    """(lab, a, b): hosts a=192.0.2.11, b=192.0.2.12 on one bridge; torn down after."""
    from tests.lab import Lab

    with Lab("rs") as lab:
        a = lab.add_host("a", "192.0.2.11/24")
        b = lab.add_host("b", "192.0.2.12/24")
        yield lab, a, b
