"""cl_status answers: exact words and exit codes of tools.md."""

from __future__ import annotations

from ha_agents.status.clstatus import USAGE, answer

DOC: dict[str, object] = {
    "version": "0.1.0",
    "nodes": [  # ha.cf order (node node1, node node2), as the engine's snapshot
        {
            "name": "node1",
            "type": "normal",
            "status": "active",
            "local": True,
            "links": [{"name": "eth0", "status": "up"}, {"name": "eth1", "status": "up"}],
        },
        {
            "name": "node2",
            "type": "normal",
            "status": "active",
            "links": [{"name": "eth0", "status": "up"}, {"name": "eth1", "status": "dead"}],
        },
    ],
    "parameters": {"keepalive": "1", "deadping": "30000ms"},
    "resources": {"rscstatus": "local"},
}
DEAD = {**DOC, "nodes": [DOC["nodes"][0], {**DOC["nodes"][1], "status": "dead"}]}  # type: ignore[index]


def ask(*argv: str, doc: dict[str, object] | None = DOC) -> tuple[str, str, int]:
    r = answer(list(argv), doc)
    return r.stdout, r.stderr, r.rc


def test_hbstatus_running_and_stopped() -> None:
    assert ask("hbstatus") == ("Heartbeat is running on this machine.\n", "", 0)
    assert ask("hbstatus", doc=None) == ("Heartbeat is stopped on this machine.\n", "", 1)
    assert ask("nodestatus", "node2", doc=None)[1:] == (
        "ERROR: Cannot signon with heartbeat\n"
        "ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat\n",
        1,
    )


def test_listnodes_variants() -> None:
    # Heartbeat 3.0.6 lists ha.cf's nodes in reverse, the same on every node
    assert ask("listnodes") == ("node2\nnode1\n", "", 0)
    assert ask("listnodes", "-n") == ("node2\nnode1\n", "", 0)
    assert ask("listnodes", "-p") == ("", "", 0)
    assert ask("listnodes", "-v")[0] == (
        "\nnode2\tactive\t(nodetype: normal)\n\teth0\tup\n\teth1\tdead\n"
        "\nnode1\tactive\t(nodetype: normal)\n\teth0\tup\n\teth1\tup\n"
    )


def test_nodestatus_exit_codes() -> None:
    assert ask("nodestatus", "node2") == ("active\n", "", 0)
    assert ask("nodestatus", "node2", doc=DEAD) == ("dead\n", "", 1)
    assert ask("nodestatus", "nosuch") == ("", "Error. May be due to incorrect node name\n", 11)


def test_links_type_weight_site_numnodes() -> None:
    assert ask("listhblinks", "node2") == ("\teth0\n\teth1\n", "", 0)
    assert ask("listhblinks", "-v", "node2") == ("\teth0\tup\n\teth1\tdead\n", "", 0)
    assert ask("hblinkstatus", "node2", "eth1") == ("dead\n", "", 1)  # as Heartbeat 3.0.6
    assert ask("hblinkstatus", "node2", "eth9") == (
        "",
        "ERROR: Cannot get heartbeat link status\nERROR: REASON: \n",
        13,
    )
    assert ask("nodetype", "node1") == ("normal\n", "", 0)
    assert ask("nodeweight", "node1") == ("100\n", "", 0)
    assert ask("nodesite", "node1") == ("\n", "", 0)
    assert ask("numnodes") == ("2\n", "", 0)


def test_parameters_rscstatus_clients_and_errors() -> None:
    assert ask("hbparameter", "-p", "keepalive") == ("1\n", "", 0)
    assert ask("hbparameter", "-p", "deadping") == ("30000ms\n", "", 0)
    assert ask("hbparameter", "-p", "nosuch") == (
        "",
        "ERROR: Cannot get parameter nosuch's value\nERROR: REASON: \n",
        1,
    )
    assert ask("hbparameter") == ("", "ERROR: parameter name required\n", 11)
    assert ask("rscstatus") == ("local\n", "", 0)
    assert ask("clientstatus", "node1", "ipfail") == ("offline\n", "", 1)
    assert ask("bogus") == ("", "ERROR: bogus: invalid sub-command.\n", 11)
    assert ask() == (USAGE, "", 0)
