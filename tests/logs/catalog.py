"""Every line the daemon logs at WARN or above, read from the source (an AST walk), and
the table of them in docs/operations.md.

A log site is a call with a level and a text: ``Notice(Level.WARN, text)``,
``log.log(Level.ERROR, text)``, membership's ``_n``/``_drop`` (the text follows the
level), a module's own helper with a ``Level`` parameter (``api/signon.py``'s
``_refuse(..., note, level=Level.WARN)``), the resource runner's ``self._log("critical",
text)`` (logged as ``ResourceManager: text``) and ``("WARN", text)`` tuples.  A level or
a text held in a local variable is resolved from its assignments in the same function.
An f-string's placeholders are written ``{expression}``, as the table writes them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "ha_agents"
# Scripts log through their own loggers (IPaddr[PID]: ...), not the daemon's log.
SKIP = ("agent/", "agents/")
LOUD = ("WARN", "ERROR", "CRIT")
RUNNER_LEVELS = {"warning": "WARN", "error": "ERROR", "critical": "CRIT"}
TEXT_PARAMS = ("text", "note")


@dataclass(frozen=True, order=True)
class Site:
    level: str
    text: str
    where: str  # path:line


def _template(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is not None and right is not None:
            return left + right
    return None


class _Scope:
    """The assignments of one function (or of a module's top level: ``parent``), to
    resolve a level or a text held in a variable or a module constant."""

    def __init__(self, nodes: list[ast.AST], parent: _Scope | None = None) -> None:
        self.parent = parent
        self.assigned: dict[str, list[tuple[int, ast.expr]]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign):
                value, targets, line = node.value, node.targets, node.lineno
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                value, targets, line = node.value, [node.target], node.lineno
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    self.assigned.setdefault(target.id, []).append((line, value))

    @classmethod
    def of_function(cls, fn: ast.AST, module: _Scope) -> _Scope:
        return cls(list(ast.walk(fn)), module)

    def before(self, name: str, line: int) -> list[ast.expr]:
        """Values assigned to ``name`` up to ``line``, in source order (else the module's)."""
        found = sorted(self.assigned.get(name, []), key=lambda item: item[0])
        values = [v for n, v in found if n <= line or self.parent is None]
        if not values and self.parent is not None:
            return self.parent.before(name, line)
        return values


def _levels(node: ast.expr | None, scope: _Scope, line: int) -> list[str]:
    """The loud levels an expression can be: ``Level.X``, or a variable holding one."""
    if node is None:
        return []
    if isinstance(node, ast.Name):
        values = scope.before(node.id, line)
        return [lv for value in values for lv in _levels(value, _Scope([]), line)]
    found = []
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == "Level"
            and sub.attr in LOUD
        ):
            found.append(sub.attr)
    return found


def _texts(node: ast.expr | None, scope: _Scope, line: int) -> list[str]:
    if isinstance(node, ast.Name):
        values = scope.before(node.id, line)
        if not values:
            return []
        texts = [_template(values[-1]) or ""]
        marker = "{" + node.id + "}"
        if marker in texts[0] and len(values) > 1:  # text = f"...{text}": both are logged
            earlier = _template(values[-2]) or ""
            texts = [texts[0].replace(marker, earlier), earlier]
        return [t for t in texts if t]
    text = _template(node)
    return [text] if text is not None else []


@dataclass(frozen=True)
class _Helper:
    """A module-level function with a ``Level`` parameter and a ``text``/``note`` one."""

    params: tuple[str, ...]
    level: str
    text: str
    default: ast.expr | None


def _helpers(tree: ast.Module) -> dict[str, _Helper]:
    found = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        args = fn.args.args
        names = tuple(a.arg for a in args)
        level = [
            a.arg for a in args if a.annotation is not None and ast.unparse(a.annotation) == "Level"
        ]
        text = [n for n in names if n in TEXT_PARAMS]
        if level and text:
            defaults = dict(
                zip(names[len(names) - len(fn.args.defaults) :], fn.args.defaults, strict=True)
            )
            found[fn.name] = _Helper(names, level[0], text[0], defaults.get(level[0]))
    return found


def _bound(call: ast.Call, helper: _Helper, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    i = helper.params.index(name)
    return call.args[i] if i < len(call.args) else None


def _call(call: ast.Call, scope: _Scope, helpers: dict[str, _Helper]) -> list[tuple[str, str]]:
    args, line = call.args, call.lineno
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == "_log" and len(args) >= 2 and isinstance(args[0], ast.Constant):
        level = RUNNER_LEVELS.get(str(args[0].value))
        return [(level, f"ResourceManager: {t}") for t in _texts(args[1], scope, line) if level]
    helper = helpers.get(name)
    if helper is not None:
        level_arg = _bound(call, helper, helper.level) or helper.default
        levels = _levels(level_arg, scope, line)
        return [
            (lv, t) for lv in levels for t in _texts(_bound(call, helper, helper.text), scope, line)
        ]
    for i, arg in enumerate(args[:-1]):
        levels = _levels(arg, scope, line) if not isinstance(arg, ast.Call) else []
        if levels:
            texts = _texts(args[i + 1], scope, line)
            if not texts:
                raise AssertionError(
                    f"line {line}: a loud log line whose text the catalog cannot read"
                )
            return [(lv, t) for lv in sorted(set(levels)) for t in texts]
    return []


def _walk(tree: ast.Module) -> Iterator[tuple[ast.AST, _Scope]]:
    """Every node with the scope of the function it is in."""
    functions = ast.FunctionDef | ast.AsyncFunctionDef
    module = _Scope(list(tree.body))

    def visit(node: ast.AST, scope: _Scope) -> Iterator[tuple[ast.AST, _Scope]]:
        for child in ast.iter_child_nodes(node):
            inner = _Scope.of_function(child, module) if isinstance(child, functions) else scope
            yield child, inner
            yield from visit(child, inner)

    yield from visit(tree, module)


def _tuple(node: ast.Tuple) -> list[tuple[str, str]]:
    first = node.elts[0] if len(node.elts) == 2 else None
    if isinstance(first, ast.Constant) and first.value in LOUD:
        text = _template(node.elts[1])
        return [(str(first.value), text)] if text is not None else []
    return []


def code_sites() -> list[Site]:
    sites: set[Site] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(SKIP):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _helpers(tree)
        for node, scope in _walk(tree):
            found = []
            if isinstance(node, ast.Call):
                found = _call(node, scope, helpers)
            elif isinstance(node, ast.Tuple):
                found = _tuple(node)
            lineno = getattr(node, "lineno", 0)
            sites.update(Site(lv, text, f"ha_agents/{rel}:{lineno}") for lv, text in found)
    return sorted(sites)


TABLE_HEADING = "### Log lines at WARN and above"
_ROW = re.compile(r"^\|\s*(WARN|ERROR|CRIT)\s*\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|")


@dataclass(frozen=True)
class Row:
    level: str
    text: str
    heartbeat: str  # "same", "words" or "—"

    def regex(self) -> re.Pattern[str]:
        """Matches a log line's text (after ``LEVEL: ``): ``{...}`` parts match anything."""
        parts = re.split(r"\{[^}]*\}", self.text)
        return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$")


def table_rows(doc: Path = REPO / "docs" / "operations.md") -> list[Row]:
    """The rows of the table under TABLE_HEADING."""
    text = doc.read_text(encoding="utf-8")
    start = text.index(TABLE_HEADING)
    section = text[start + len(TABLE_HEADING) :].split("\n#", 1)[0]
    return [Row(m[1], m[2], m[3]) for line in section.splitlines() if (m := _ROW.match(line))]


_LINE = re.compile(r" heartbeat: \[\d+\]: (debug|info|WARN|ERROR|CRIT): (.*)$")


def row_of(line: str, rows: list[Row]) -> Row | None:
    """The table row of a logged line (the most specific when several match)."""
    m = _LINE.search(line)
    if m is None:
        return None
    hits = [r for r in rows if r.level == m[1] and r.regex().match(m[2])]
    return max(hits, key=lambda r: len(r.text.replace("{", "").replace("}", "")), default=None)


if __name__ == "__main__":  # the code's lines as table rows (a starting point for the docs)
    for site in code_sites():
        print(f"| {site.level} | `{site.text}` | {site.where} |")
