"""Diagnostics: one problem in one file at one line, rendered like a compiler.

``conf/ha.cf:12: error: HA102 unknown directive 'deadtme' (did you mean 'deadtime'?)``
Codes are stable: HA1xx ha.cf, HR2xx haresources, HK3xx authkeys, HX4xx cross-file,
HP5xx peer comparison.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # information, not a problem (``check``: where a resource resolves)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str
    line: int
    severity: Severity
    code: str
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


def error(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.ERROR, code, message)


def warning(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.WARNING, code, message)


def note(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.NOTE, code, message)


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def render_text(diags: Iterable[Diagnostic]) -> str:
    return "".join(d.render() + "\n" for d in diags)
