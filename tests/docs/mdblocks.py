"""The command blocks of README.md and docs/*.md, and how each one is tested.

A fenced block is a command block when its info string is ``sh``.  The line right before
its opening fence must say how the test suite runs it (docs/lab.md, "The docs run as
tests")::

    <!-- doc-test: MODE [KEY=VALUE ...] -->

MODE is ``host`` (this checkout, a scratch directory as the working directory),
``machine`` (a fresh throwaway machine: node1 of conf/ in a lab namespace, conf/ as its
/etc/ha.d), ``cluster`` (node1 and node2 of conf/, both running ``ha-agents run``; the
block runs on node1) or ``skip`` (not run here: ``reason=`` says why, and ``covered-by=``
names the test that runs the same commands).  VALUEs may be double-quoted.  Pure.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODES = ("host", "machine", "cluster", "series", "skip")
#: Why a block may be left out, and the commands such a block may hold.
SKIP_REASONS = {
    "systemd": ("systemctl",),  # needs systemd as PID 1
    "package": (
        "apt",
        "python3",
        "/opt/ha-agents/bin/pip",
        "/opt/ha-agents/bin/ha-agents",
        "ha-agents",
    ),
    "pacemaker": ("corosync-keygen", "scp", "install", "corosync", "crm_verify"),
    "suite": ("make", ".venv/bin/python", "sudo"),  # the test suite itself
    "bench": (".venv/bin/python", "sudo"),  # benchmarks: minutes, run by make bench
    "placeholder": (),  # needs values only the reader has (<pid>, <this repository>)
}
ANNOTATION = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<spec>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[\w-]*)\s*$")


@dataclass(frozen=True)
class Block:
    file: str  # relative to the repository
    line: int  # of the opening fence
    info: str  # the fence's info string ("sh", "text", ...)
    body: str
    mode: str | None = None  # None: no annotation
    options: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"

    def commands(self) -> list[str]:
        """The first word of every command line (comments and continuations skipped)."""
        words: list[str] = []
        continued = False
        for raw in self.body.splitlines():
            line = raw.strip()
            if not continued and line and not line.startswith("#"):
                first = line.split()[0]
                words.append(first.split("=", 1)[0] if "=" in first and "/" not in first
                             else first)  # fmt: skip
            continued = line.endswith("\\")
        return words


def parse_annotation(spec: str) -> tuple[str, dict[str, str]]:
    words = shlex.split(spec)
    if not words:
        raise ValueError("empty doc-test annotation")
    options: dict[str, str] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"doc-test option {word!r}: expected KEY=VALUE")
        options[key] = value
    return words[0], options


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one Markdown file, with its annotation (if any)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = str(path.relative_to(REPO))
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info, start = len(m["indent"]), m["info"], i
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
            i += 1
        i += 1
        mode: str | None = None
        options: dict[str, str] = {}
        note = ANNOTATION.match(lines[start - 1]) if start > 0 else None
        if note:
            mode, options = parse_annotation(note["spec"])
        text = "\n".join(body) + "\n"
        out.append(Block(rel, start + 1, info, text, mode, options))
    return out


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def all_blocks() -> list[Block]:
    return [b for doc in documents() for b in blocks(doc)]


def command_blocks() -> list[Block]:
    return [b for b in all_blocks() if b.info == "sh"]


def following_output(block: Block) -> Block | None:
    """The ``text`` block right after ``block`` in its file (its documented output)."""
    found = blocks(REPO / block.file)
    for here, after in itertools.pairwise(found):
        if here.line == block.line:
            return after if after.info == "text" else None
    return None


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def shape(documented: str) -> list[re.Pattern[str]]:
    """One pattern per documented output line: numbers standing alone (also times,
    15:20:17.011, and addresses) are wildcards, not digits inside a word (node2, eth0);
    runs of blanks are one blank; a line ``...`` stands for any lines."""
    patterns = []
    for line in documented.splitlines():
        text = _squeeze(line)
        if not text or text == "...":
            continue
        parts = re.split(r"(?<![\w.])([+-]?\d+(?:[.:]\d+)*)(?!\w)", text)
        regex = "".join(
            r"[+-]?\d+(?:[.:]\d+)*" if i % 2 else re.escape(part) for i, part in enumerate(parts)
        )
        patterns.append(re.compile(regex))
    return patterns


def matches_shape(documented: str, output: str) -> str | None:
    """None when every documented line has a matching output line, in the documented
    order; else the first documented line that has none."""
    lines = [_squeeze(line) for line in output.splitlines()]
    at = 0
    for pattern in shape(documented):
        while at < len(lines) and not pattern.fullmatch(lines[at]):
            at += 1
        if at == len(lines):
            return pattern.pattern
        at += 1
    return None
