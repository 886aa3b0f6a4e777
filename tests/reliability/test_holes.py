"""Heartbeat 3.0.6's own holes (spec wire.md §3, §5, §8), each closed by our node: forged
datagrams from an attacker's namespace at a live two-node ha_agents cluster (real
``ha-agents run`` daemons, VIP on node1).  Each forgery is a ``shutdone`` of node1 sent to
node2 -- accepted, it would make node2 take the VIP at once.  Each must be dropped,
counted under its reason in node2's ``ha-agents status --json``, and change nothing:
node1 stays active in node2's view and the VIP stays on node1 alone."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from ha_agents.wire.codec import Field, decode
from ha_agents.wire.messages import envelope
from tests.lab import Lab, wait_until
from tests.lab.cluster import AUTH_KEY

from .cluster import NODES, Cluster, start_cluster
from .forge import (
    duplicated,
    key,
    signed,
    unsigned,
    with_trailer_only,
)
from .inject import Injector, Sniffer

pytestmark = [pytest.mark.netns, pytest.mark.slow]
N1, N2 = NODES["node1"], NODES["node2"]
SHA1 = key(1, "sha1", AUTH_KEY)


@dataclass
class Rig:
    c: Cluster
    inj: Injector
    sniff: Sniffer
    old_generation: list[bytes]

    def latest_from_node1(self) -> bytes:
        got = self.sniff.capture(
            lambda d, src: src == N1 and decode(d).message.get("t") == "status", 3.0
        )
        assert got, "no status datagram of node1 seen on the wire"
        return got[0]

    def shutdone(self, seq_ahead: int = 2, src: str = "node1") -> tuple[Field, ...]:
        """node1's next-but-one sequenced message, claiming a clean shutdown."""
        msg = decode(self.latest_from_node1()).message
        uuid = msg.get_bytes("srcuuid") or b"\0" * 16
        return envelope(
            [("t", "shutdone"), ("st", "dead")],
            src=src,
            srcuuid=uuid,
            seq=int(msg.get("seq") or "0", 16) + seq_ahead,
            hg=int(msg.get("hg") or "0", 16),
            ts=int(msg.get("ts") or "0", 16),
            ld="0.00 0.00 0.00 1/1 1",
            ttl=3,
        )


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with Lab("rh") as lab:
        old: list[bytes] = []

        def first_generation(c: Cluster) -> None:
            """node1 alone for a moment: capture datagrams of its first generation.  The
            daemons' own checks are under test: no kernel peer filter in front of them."""
            c.no_peer_filter()
            s = Sniffer(c.x.netns)
            try:
                c.n1.start()
                old.extend(s.capture(lambda d, src: src == N1, 5.0))
            finally:
                s.close()
            assert c.n1.stop(10)

        c = start_cluster(lab, before=first_generation)
        inj, sniff = Injector(c.x.netns), Sniffer(c.x.netns)
        try:
            yield Rig(c, inj, sniff, old)
        finally:
            inj.close()
            sniff.close()


def _unchanged(r: Rig) -> None:
    c = r.c
    assert c.holders() == ["n1"]
    assert c.peer_status(c.n2, "node1") == "active"
    assert c.peer_status(c.n1, "node2") == "active"
    log = c.n2.log()
    assert "node1: is dead" not in log and "Resources being acquired" not in log, log[-2000:]


def _expect_dropped(r: Rig, reason: str, send: Callable[[], None], copies: int = 3) -> None:
    before = r.c.dropped(r.c.n2).get(reason, 0)
    for _ in range(copies):
        send()
    ok = wait_until(lambda: r.c.dropped(r.c.n2).get(reason, 0) >= before + copies, 3.0)
    assert ok, (reason, r.c.dropped(r.c.n2), r.c.n2.log()[-1500:])
    time.sleep(0.3)  # three keepalives: had it been accepted, node2 would act now
    _unchanged(r)


def test_a_good_trailer_does_not_excuse_a_bad_inner_auth(rig: Rig) -> None:
    data = with_trailer_only(rig.shutdone(), SHA1, b"1 " + b"0" * 40)
    _expect_dropped(rig, "bad_inner_auth", lambda: rig.inj.spoofed(N1, N2, data))


def test_a_good_trailer_does_not_excuse_a_missing_inner_auth(rig: Rig) -> None:
    data = with_trailer_only(rig.shutdone(), SHA1, None)
    _expect_dropped(rig, "missing_inner_auth", lambda: rig.inj.spoofed(N1, N2, data))


def test_crc_is_refused_by_a_node_that_signs_with_sha1_even_if_authkeys_lists_crc(
    rig: Rig,
) -> None:
    data = signed(rig.shutdone(), key(2, "crc"))
    _expect_dropped(rig, "downgrade", lambda: rig.inj.spoofed(N1, N2, data))


def test_duplicated_fields_are_refused(rig: Rig) -> None:
    data = duplicated(rig.shutdone(), "seq", b"1", SHA1)
    _expect_dropped(rig, "duplicate_field", lambda: rig.inj.spoofed(N1, N2, data))


def test_wrong_key_is_refused(rig: Rig) -> None:
    data = signed(rig.shutdone(), key(1, "sha1", "not-the-cluster-key"))
    _expect_dropped(rig, "bad_trailer_digest", lambda: rig.inj.spoofed(N1, N2, data))


def test_a_listed_index_with_the_wrong_key_is_refused(rig: Rig) -> None:
    """Heartbeat checks any index with its *outbound* key; we use the index's own key."""
    data = signed(rig.shutdone(), key(4, "sha1", AUTH_KEY))
    _expect_dropped(rig, "bad_trailer_digest", lambda: rig.inj.spoofed(N1, N2, data))


def test_unknown_key_index_is_refused(rig: Rig) -> None:
    data = signed(rig.shutdone(), key(9, "sha1", AUTH_KEY))
    _expect_dropped(rig, "unknown_key_index", lambda: rig.inj.spoofed(N1, N2, data))


def test_unsigned_datagrams_are_refused(rig: Rig) -> None:
    data = unsigned(rig.shutdone())
    _expect_dropped(rig, "no_trailer", lambda: rig.inj.spoofed(N1, N2, data))
    fields = rig.shutdone()
    classic = b">>>\n" + b"".join(f.name.encode() + b"=" + f.value + b"\n" for f in fields[:2])
    classic += b"<<<\n"
    _expect_dropped(rig, "unsigned", lambda: rig.inj.spoofed(N1, N2, classic))


def test_replay_of_a_captured_datagram_is_dropped(rig: Rig) -> None:
    captured = rig.latest_from_node1()  # node2 has received it already
    time.sleep(0.25)
    _expect_dropped(rig, "duplicate", lambda: rig.inj.spoofed(N1, N2, captured))


def test_replay_from_an_old_generation_is_dropped(rig: Rig) -> None:
    assert rig.old_generation, "no datagram of node1's first generation was captured"
    old = rig.old_generation[-1]
    hg_now = int(decode(rig.latest_from_node1()).message.get("hg") or "0", 16)
    assert int(decode(old).message.get("hg") or "0", 16) < hg_now
    _expect_dropped(rig, "replay_old_generation", lambda: rig.inj.spoofed(N1, N2, old))


def test_this_nodes_own_name_from_another_address_is_refused(rig: Rig) -> None:
    """Signed correctly (an insider's key), claiming to be node2, sent to node2."""
    data = signed(rig.shutdone(src="node2"), SHA1)
    _expect_dropped(rig, "forged_self", lambda: rig.inj.plain(N2, data))


def test_a_live_peers_name_from_another_address_is_refused(rig: Rig) -> None:
    """Heartbeat accepts any node name from any address.  Signed correctly, claiming to
    be node1 (which is alive and heard from 192.0.2.11), sent from 192.0.2.99: dropped
    while node1 is heard from its own address."""
    data = signed(rig.shutdone(), SHA1)
    _expect_dropped(rig, "source_mismatch", lambda: rig.inj.plain(N2, data))


def test_the_status_command_reports_every_drop_reason(rig: Rig) -> None:
    r = rig.c.n2.ctl("status", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    dropped = {**doc["dropped"], **doc["events"]}  # "duplicate" is an event (counters.py)
    for reason in (
        "bad_inner_auth", "missing_inner_auth", "downgrade", "duplicate_field",
        "bad_trailer_digest", "unknown_key_index", "no_trailer", "unsigned", "duplicate",
        "replay_old_generation", "forged_self",
    ):  # fmt: skip
        assert dropped.get(reason, 0) >= 3, (reason, dropped)
    _unchanged(rig)
