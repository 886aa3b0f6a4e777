"""Resource monitoring in the status views (pure): ages for ``status --json`` and the
lines ``ha-agents status`` and ``ha-agents watch`` print (only with ``monitor`` lines in
failover.cf; the document has no ``monitors`` key otherwise)."""

from __future__ import annotations

from collections.abc import Mapping


def _rows(resources: object) -> list[dict[str, object]]:
    rows = resources.get("monitors") if isinstance(resources, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def add_ages(resources: object, now: float) -> None:
    """``last_check_s``: seconds since each monitored resource's last check ended."""
    for row in _rows(resources):
        at = row.get("last_check_at")
        row["last_check_s"] = round(now - at, 3) if isinstance(at, int | float) else None


def _num(value: object, fmt: str) -> str:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return format(value, fmt) if ok else "-"


def lines(resources: Mapping[str, object] | None, indent: str = "  ") -> list[str]:
    """One line per monitored resource: where monitoring stands, its last check, counts."""
    out = []
    for r in _rows(dict(resources) if resources else None):
        last = r.get("last_result") or "no check yet"
        when = r.get("last_check_s")
        age = f" {_num(when, '.1f')}s ago ({_num(r.get('last_duration_s'), '.2f')}s)"
        refused = ", refused here" if r.get("refused_here") else ""
        out.append(
            f"{indent}monitor {r.get('resource')} (group {r.get('group')}): {r.get('state')}, "
            f"last check {last}{age if when is not None else ''}, "
            f"failures {r.get('failures')} in window ({r.get('failures_total')} total), "
            f"restarts {r.get('restarts_total')}{refused}"
        )
    return out
