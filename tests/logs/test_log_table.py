"""docs/operations.md's table of WARN/ERROR/CRIT lines and the code say the same thing:
every loud line the daemon can log is in the table, at its level, and the table lists
nothing the code no longer logs."""

from __future__ import annotations

from tests.logs.catalog import code_sites, table_rows


def test_every_loud_line_of_the_code_is_in_the_operations_table() -> None:
    documented = {(r.level, r.text) for r in table_rows()}
    missing = sorted(
        {(s.level, s.text, s.where) for s in code_sites() if (s.level, s.text) not in documented}
    )
    assert missing == [], "add these lines to docs/operations.md's table:\n" + "\n".join(
        f"| {lv} | `{text}` | ({where})" for lv, text, where in missing
    )


def test_the_operations_table_lists_no_line_the_code_does_not_log() -> None:
    logged = {(s.level, s.text) for s in code_sites()}
    stale = [(r.level, r.text) for r in table_rows() if (r.level, r.text) not in logged]
    assert stale == [], f"docs/operations.md lists lines no longer logged: {stale}"


def test_each_row_says_whether_heartbeat_logs_the_line() -> None:
    rows = table_rows()
    assert len(rows) == len({(r.level, r.text) for r in rows}), "a line listed twice"
    assert {r.heartbeat for r in rows} <= {"same", "words", "—"}


def test_the_catalog_finds_the_lines_the_issue_named() -> None:
    """The AST walk sees through helpers, variables and module constants."""
    sites = {(s.level, s.text) for s in code_sites()}
    assert ("WARN", "node {node}: is dead") in sites  # membership's _n helper
    assert ("WARN", "No reply to standby request.  Standby request cancelled.") in sites
    assert ("CRIT", "Cluster node {node} returning after partition.") in sites
    assert ("ERROR", "Configuration reload failed; running configuration unchanged") in sites
    assert ("WARN", "Client [{client_id}] pid {pid} failed authorization [{reason}]") in sites
    assert ("CRIT", "ResourceManager: Resource STOP failure. Reboot required!") in sites
    assert ("WARN", "No Previous generation - starting at {self.generation}") in sites
    assert not [s for s in sites if s[0] == "CRIT" and s[1].startswith("Split brain")]
