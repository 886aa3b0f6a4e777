"""Heartbeat's Cluster Test System, read as data from the Debian heartbeat package's copy
(``/usr/share/heartbeat/cts``, the CTS of Heartbeat's sources): the log patterns of its
Heartbeat cluster manager (``CM_hb.py``: ``Pat:*`` and ``BadRegexes``) and the lines each
test kind tolerates (``CTStests.py``: ``errorstoignore``, plus the audit's own).

Nothing is copied: the regular expressions are taken from the installed files at test
time (an AST walk; the package's Python 3 port of CTS cannot be imported), so the tests
match exactly what CTS would match.
"""

from __future__ import annotations

import ast
import functools
import warnings
from pathlib import Path

CTS_DIR = Path("/usr/share/heartbeat/cts")


class CtsMissing(RuntimeError):
    pass


def _tree(name: str) -> ast.Module:
    path = CTS_DIR / name
    if not path.exists():
        raise CtsMissing(f"{path} missing: install the Debian heartbeat package (make deps)")
    with warnings.catch_warnings():  # CTS's own regexes: "\." in plain strings
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(path.read_text(encoding="utf-8"))


def _class(tree: ast.Module, name: str) -> ast.ClassDef:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise CtsMissing(f"class {name} not found in CTS")


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef:
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise CtsMissing(f"{cls.name}.{name} not found in CTS")


@functools.cache
def cm_hb() -> dict[str, object]:
    """The literal entries of ``HeartbeatCM``'s settings (``self.update({...})``):
    ``Pat:We_started``, ..., ``BadRegexes``."""
    init = _method(_class(_tree("CM_hb.py"), "HeartbeatCM"), "__init__")
    for node in ast.walk(init):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and node.args
            and isinstance(node.args[0], ast.Dict)
        ):
            out: dict[str, object] = {}
            for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    try:
                        out[key.value] = ast.literal_eval(value)
                    except ValueError:
                        continue  # computed from the environment (LogFileName)
            return out
    raise CtsMissing("HeartbeatCM settings not found in CM_hb.py")


def pattern(name: str) -> str:
    value = cm_hb()[f"Pat:{name}"]
    assert isinstance(value, str)
    return value


def bad_regexes() -> tuple[str, ...]:
    value = cm_hb()["BadRegexes"]
    assert isinstance(value, tuple)
    return tuple(str(v) for v in value)


@functools.cache
def ignores(test_class: str) -> tuple[str, ...]:
    """What the audit ignores after a test of ``test_class``: its ``errorstoignore()``
    (a literal list in CTStests.py; none when it has no such method) plus the lines
    ``RandomTests.audit`` always ignores."""
    tree = _tree("CTStests.py")
    always = []
    audit = _method(_class(tree, "RandomTests"), "audit")
    for node in ast.walk(audit):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            always.append(str(node.args[0].value))
    cls = _class(tree, test_class)
    own: list[str] = []
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "errorstoignore":
            returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value]
            own = [str(v) for v in ast.literal_eval(returns[0])] if returns else []
    return (*always, *own)
