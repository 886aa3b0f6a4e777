"""Line splitting shared by the three config files (pure).

Heartbeat reads its files line by line (``\\n`` ends a line; a ``\\r`` before it is
just whitespace).  What counts as a comment and whether ``\\`` joins lines differs:

* ha.cf: ``#`` anywhere starts a comment (``keepalive 2#x`` is ``keepalive 2``);
  no continuation lines.
* authkeys: only a line whose first non-blank character is ``#`` is a comment
  (the key is the rest of the line, ``#`` included).
* haresources: ``#`` anywhere starts a comment; a line ending in ``\\`` is joined
  with the next one (backslash and newline removed); CR is *not* stripped by the
  shell script that starts resources, so we keep track of it for a warning.

Text is decoded from bytes with ``surrogateescape`` so that any byte survives
(keys are compared byte for byte); :func:`show` makes such text printable.
"""

from __future__ import annotations

from dataclasses import dataclass

BLANKS = " \t\r\f\v"


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One logical line: ``lineno`` is where it starts (1-based).

    ``text`` has the comment removed (and, for haresources, continuations joined);
    ``had_cr`` says whether a CR ended one of its physical lines.
    """

    lineno: int
    text: str
    had_cr: bool = False
    head: str | None = None  # haresources: the first physical line, backslash kept

    @property
    def blank(self) -> bool:
        return not self.text.strip(BLANKS)


def decode(data: bytes) -> str:
    """Bytes to text, losslessly (undecodable bytes become lone surrogates)."""
    return data.decode("utf-8", errors="surrogateescape")


def encode(text: str) -> bytes:
    """The inverse of :func:`decode`."""
    return text.encode("utf-8", errors="surrogateescape")


def show(text: str, limit: int = 80) -> str:
    """``text`` safe for a one-line message: control and undecodable bytes escaped."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append({"\t": "\\t", "\r": "\\r", "\n": "\\n"}.get(ch, f"\\x{code:02x}"))
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    s = "".join(out)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _physical(text: str) -> list[tuple[str, bool]]:
    """Physical lines (without ``\\n``) and whether each ended in CR.

    A NUL byte ends the line for Heartbeat's C string handling: the rest is ignored.
    """
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    result: list[tuple[str, bool]] = []
    for part in parts:
        nul = part.find("\0")
        if nul >= 0:
            part = part[:nul]
        cr = part.endswith("\r")
        result.append((part[:-1] if cr else part, cr))
    return result


def _strip_comment(line: str) -> str:
    hash_at = line.find("#")
    return line if hash_at < 0 else line[:hash_at]


def hacf_lines(text: str) -> list[SourceLine]:
    """ha.cf: ``#`` anywhere is a comment, one line per directive, and a CR ends the
    line (verified: ``node\rnode1`` is an empty ``node``; CRLF files work)."""
    return [
        SourceLine(n, _strip_comment(line.split("\r", 1)[0]), cr or "\r" in line)
        for n, (line, cr) in enumerate(_physical(text), 1)
    ]


def authkeys_lines(text: str) -> list[SourceLine]:
    """authkeys: full-line ``#`` comments only; the rest of a key line is kept."""
    result: list[SourceLine] = []
    for n, (line, cr) in enumerate(_physical(text), 1):
        if line.lstrip(BLANKS).startswith("#"):
            line = ""
        result.append(SourceLine(n, line, cr))
    return result


def haresources_lines(text: str) -> list[SourceLine]:
    """haresources: comments stripped, ``\\`` continuations joined.

    As Heartbeat's daemon reads it (verified): a physical line whose raw text ends in
    ``\\`` continues on the next one, even when the backslash is inside a comment;
    the group's node is the first word of its first physical line, taken before
    comments are removed (so ``node1#x`` is the node ``node1#x``, and a line holding
    only ``\\`` names the node ``\\``).
    """
    result: list[SourceLine] = []
    pending: list[str] = []
    head = ""
    start = 0
    cr_seen = False
    for n, (line, cr) in enumerate(_physical(text), 1):
        body = _strip_comment(line)
        if not pending and line.lstrip(BLANKS).startswith("#"):
            continue  # a comment line never continues (verified)
        if not pending:
            # the daemon takes the node from the raw line: "node1#x" is node "node1#x"
            start, head, cr_seen = n, line, False
        cr_seen = cr_seen or cr
        if line.endswith("\\") and not cr:
            pending.append(body[:-1] if body.endswith("\\") else body)
            continue
        pending.append(body)
        result.append(SourceLine(start, "".join(pending), cr_seen, head))
        pending = []
    if pending:
        result.append(SourceLine(start, "".join(pending), cr_seen, head))
    return result


def words(text: str, separators: str = BLANKS) -> list[str]:
    """Split on any of ``separators`` (runs collapse, no empty words)."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text:
        if ch in separators:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out
