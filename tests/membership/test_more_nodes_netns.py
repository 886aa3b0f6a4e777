"""Membership beyond two nodes: 3 and 4 ha_agents nodes, and 2 ha_agents + 2 real Heartbeat
3.0.6 nodes, on one ucast segment.  Every node agrees on who is up; a power loss (SIGKILL +
cable cut) is seen by every survivor within deadtime, the return by everyone; `ha-agents
status` (ours) and `cl_status` (Heartbeat's) answer for every node, and `listnodes` is the
same list on every node (ha.cf order reversed, as Heartbeat 3.0.6 prints it).

haresources stays empty: groups on more than two nodes are refused (HR209)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.lab import Lab, wait_until
from tests.lab.agentnode import AgentNode, medium
from tests.lab.heartbeat import HeartbeatNode, make_ha_cf

pytestmark = [pytest.mark.netns, pytest.mark.heartbeat]
DEADTIME_S = 1.0

Member = AgentNode | HeartbeatNode


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab("mn") as lab:
        yield lab


def _members(lab: Lab, kinds: str) -> dict[str, Member]:
    """``kinds``: one letter per node, ``a`` = ha_agents, ``h`` = real Heartbeat."""
    names = [f"node{i}" for i in range(1, len(kinds) + 1)]
    addrs = {n: lab.ip(10 + i) for i, n in enumerate(names, start=1)}
    ha_cf = make_ha_cf(
        addrs, keepalive="200ms", warntime="600ms", deadtime="1", initdead="2", media="ucast"
    )
    media = [medium("ucast", "eth0", peer=a) for a in addrs.values()]
    out: dict[str, Member] = {}
    for (name, addr), kind in zip(addrs.items(), kinds, strict=True):
        host = lab.add_host(f"n{name[-1]}", f"{addr}/24")
        if kind == "a":
            out[name] = AgentNode(
                lab.tmpdir, name, names, media, timers_ms=(200, 600, 1000, 2000), host=host
            )
        else:
            out[name] = lab.add_heartbeat_node(host, name, ha_cf)
    return out


def _ask(m: Member, *args: str) -> tuple[str, int]:
    r = m.status(*args) if isinstance(m, AgentNode) else m.cl_status(*args)
    return r.stdout, r.returncode


def _view(members: dict[str, Member], who: list[str]) -> dict[str, dict[str, str]]:
    """What each node in ``who`` says about every node: nodestatus, asked fast enough to
    time a detection (ours over the control socket in-process, Heartbeat's cl_status)."""
    return {w: {n: members[w].nodestatus(n) for n in members} for w in who}


def _cli_view(members: dict[str, Member], who: list[str]) -> dict[str, dict[str, str]]:
    """The same through the commands users run: ``ha-agents status`` / ``cl_status``."""
    return {w: {n: _ask(members[w], "nodestatus", n)[0].strip() for n in members} for w in who}


def _alive(m: Member) -> bool:
    return m.proc is not None and m.proc.poll() is None if isinstance(m, AgentNode) else m.running()


@pytest.mark.parametrize(("kinds", "victim"), [("aaa", "node1"), ("aaaa", "node2"),
                                                ("aahh", "node3")])  # fmt: skip
def test_members_agree_on_deaths_and_returns(lab: Lab, kinds: str, victim: str) -> None:
    members = _members(lab, kinds)
    for m in members.values():
        m.start()
    names = list(members)
    every = {n: {m: "active" for m in names} for n in names}
    assert wait_until(lambda: _view(members, names) == every, 30), _view(members, names)
    assert _cli_view(members, names) == every
    listed = {n: _ask(m, "listnodes")[0].split() for n, m in members.items()}
    assert all(v == names[::-1] for v in listed.values()), listed
    for m in members.values():  # past the start-up grace (dt= deadtime + 2 s for 5 s)
        if isinstance(m, AgentNode):
            m.wait_steady()
    time.sleep(1.0)

    members[victim].kill(signal.SIGKILL)  # power loss: the daemon and the cable
    lab.hosts[f"n{victim[-1]}"].link_down()
    t0 = time.monotonic()
    survivors = [n for n in names if n != victim]
    dead = {n: {m: "dead" if m == victim else "active" for m in names} for n in survivors}
    assert wait_until(lambda: _view(members, survivors) == dead, 10), _view(members, survivors)
    seen_after = time.monotonic() - t0
    print(f"{kinds}: {victim} dead on {len(survivors)} survivors after {seen_after:.2f} s")
    assert seen_after < DEADTIME_S + 2.5
    assert _cli_view(members, survivors) == dead
    for n in survivors:
        assert _ask(members[n], "nodestatus", victim) == ("dead\n", 1)

    lab.hosts[f"n{victim[-1]}"].link_up()
    members[victim].start()
    assert wait_until(lambda: _view(members, names) == every, 30), _view(members, names)
    assert all(_alive(m) for m in members.values())
