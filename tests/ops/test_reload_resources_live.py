"""A reload that adds a resource to a running group: nothing starts or stops at the
reload; the new list is used at the group's next transition (here a takeover)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab.agentnode import medium, wait_status
from tests.lab.netns import Lab
from tests.lab.waiting import wait_until
from tests.ops.helpers import OpsNode

NODES = ["node1", "node2"]
pytestmark = pytest.mark.netns


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("og") as lab:
        yield lab


def _agent(node: OpsNode, state: str) -> None:
    script = node.config_dir / "resource.d" / "hbtest"
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        "#!/bin/sh\n"
        f'f="{state}.$1"\n'
        'case "$2" in\n'
        '  start) touch "$f" ;;\n'
        '  stop) rm -f "$f" ;;\n'
        '  status) if [ -e "$f" ]; then echo running; else echo stopped; fi ;;\n'
        "esac\nexit 0\n"
    )
    script.chmod(0o755)


def test_added_resource_starts_at_the_next_transition_not_at_the_reload(lab: Lab) -> None:
    hosts = [lab.add_host(n, lab.cidr(11 + i)) for i, n in enumerate(NODES)]
    nodes = []
    for name, host in zip(NODES, hosts, strict=True):
        node = OpsNode(lab.tmpdir, name, NODES, [medium("bcast", "eth0")], host=host)
        (node.config_dir / "haresources").write_text("node1 hbtest::a hbtest::b\n")
        _agent(node, str(lab.tmpdir / name))
        nodes.append(node)
    node1, node2 = nodes
    for node in nodes:
        node.start()
    assert wait_status(lambda: node1.nodestatus("node2"), "active", 10), node1.output()
    on1 = lambda r: (lab.tmpdir / f"node1.{r}").exists()  # noqa: E731
    on2 = lambda r: (lab.tmpdir / f"node2.{r}").exists()  # noqa: E731
    assert wait_until(lambda: on1("a") and on1("b"), 10), node1.output()
    node1.wait_steady()

    for node in nodes:
        (node.config_dir / "haresources").write_text("node1 hbtest::a hbtest::b hbtest::c\n")
        r = node.cli("reload")
        assert r.returncode == 0, r.stderr
        assert "used from each group's next transition" in r.stdout, r.stdout
    time.sleep(1.0)
    assert on1("a") and on1("b") and not on1("c")  # the reload started and stopped nothing
    assert "Running" not in node1.log_text().split("Reloading configuration", 1)[1]

    node1.kill(signal.SIGKILL)
    assert wait_until(lambda: on2("a") and on2("b") and on2("c"), 10), node2.output()
