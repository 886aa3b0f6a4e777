"""Every diagnostic code the checker can emit is documented in docs/config.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_code_is_documented() -> None:
    used: set[str] = set()
    for f in (REPO / "ha_agents" / "config").glob("*.py"):
        used |= set(re.findall(r'"(H[AKRXP][0-9]{3})"', f.read_text(encoding="utf-8")))
    documented = set(
        re.findall(r"^\| (H[AKRXP][0-9]{3}) \|", (REPO / "docs" / "config.md").read_text(), re.M)
    )
    assert used, "no codes found"
    assert used - documented == set()
