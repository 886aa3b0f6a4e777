"""Every command a document tells a user to type is marked for the doc tests, and the
marks are kept honest: a block left out says why, holds only the commands that reason
allows, and names the test that runs the same commands (tests/docs/mdblocks.py)."""

from __future__ import annotations

import re

import pytest

from tests.docs.mdblocks import (
    MODES,
    REPO,
    SKIP_REASONS,
    Block,
    all_blocks,
    command_blocks,
    documents,
    following_output,
    matches_shape,
)

SUBCOMMAND = re.compile(r"(?:^|[\s;|&(])ha-agents[ \t]+([a-z][a-z-]*)", re.M)


def test_every_fence_says_what_it_holds() -> None:
    """A fence without an info string could hide commands from the doc tests."""
    bare = [b.id for b in all_blocks() if not b.info]
    assert bare == [], "give these fences an info string (sh, text, python, ini...)"


def test_every_command_block_is_marked() -> None:
    found = command_blocks()
    assert len(found) >= 20
    unmarked = [b.id for b in found if b.mode not in MODES]
    assert unmarked == [], f"add <!-- doc-test: MODE --> before: {unmarked}"


def _indented_code(path_text: str) -> list[int]:
    """Lines opening an indented (4-space) code block outside a list: commands written
    that way would escape the doc tests."""
    found: list[int] = []
    in_fence = False
    prev_blank, prev_text = True, ""
    for n, line in enumerate(path_text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("    ") and line.strip() and prev_blank:
            top = prev_text and not prev_text[0].isspace()
            listed = re.match(r"^(\s*[*-] |\s*\d+\. |\|)", prev_text)
            if top and not listed:
                found.append(n)
        if line.strip():
            prev_text = line if not line.startswith("    ") or not prev_blank else prev_text
        prev_blank = not line.strip()
    return found


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_indented_code_blocks(doc: object) -> None:
    from pathlib import Path

    assert isinstance(doc, Path)
    assert _indented_code(doc.read_text()) == []


def _skip_ok(block: Block) -> str | None:
    reason = block.options.get("reason", "")
    if reason not in SKIP_REASONS:
        return f"reason={reason!r} is not one of {sorted(SKIP_REASONS)}"
    if reason == "placeholder":
        return None if re.search(r"<[a-z][a-z -]*>", block.body) else "no <placeholder> in it"
    allowed = SKIP_REASONS[reason]
    extra = [c for c in block.commands() if c not in allowed]
    if extra:
        return f"commands {extra} are not what reason={reason} leaves out"
    covered = block.options.get("covered-by")
    if covered is None:
        return "covered-by=TEST is missing"
    test = REPO / covered
    if not test.is_file():
        return f"covered-by={covered}: no such file"
    text = test.read_text()
    missing = [s for s in SUBCOMMAND.findall(block.body) if f'"{s}"' not in text and s not in text]
    return f"{covered} never runs ha-agents {missing}" if missing else None


def test_left_out_blocks_say_why_and_name_their_test() -> None:
    problems = {b.id: _skip_ok(b) for b in command_blocks() if b.mode == "skip"}
    assert {k: v for k, v in problems.items() if v} == {}


def test_series_blocks_name_the_test_that_runs_them_in_order() -> None:
    for b in command_blocks():
        if b.mode == "series":
            test = REPO / b.options.get("test", "")
            assert test.is_file() and b.file in test.read_text(), b.id


def test_documented_outputs_follow_their_commands() -> None:
    for b in command_blocks():
        if b.options.get("output") == "next":
            assert following_output(b) is not None, f"{b.id}: no ```text block after it"


def test_output_shape_matching() -> None:
    documented = "15:20:17.011  FAULT: power loss of node1\n...\n  node2 serves: 1.048 s\n"
    good = "x\n15:20:19.511 FAULT: power loss of node1\ny\nnode2 serves: 0.9 s\n"
    assert matches_shape(documented, good) is None
    assert matches_shape(documented, "node2 serves: 0.9 s\n15:20 FAULT: power loss of node1")
    assert matches_shape(documented, good.replace("node2", "node1"))
