"""The daemon's socket filter (daemon/peerfilter.py) in the real kernel: on a loopback UDP
socket, only the allowed source addresses get through, the rest is dropped and counted."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from ha_agents.daemon import peerfilter


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.3)
    yield sock
    sock.close()


def _send_from(addresses: list[str], port: int) -> None:
    for address in addresses:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((address, 0))
            s.sendto(address.encode(), ("127.0.0.1", port))


def _received(sock: socket.socket) -> list[str]:
    got = []
    try:
        while True:
            data, addr = sock.recvfrom(100)
            assert data.decode() == addr[0]
            got.append(addr[0])
    except TimeoutError:
        return got


def test_filter_keeps_only_peer_addresses_and_counts_the_rest(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    peerfilter.attach(receiver, ["127.0.0.2", "127.0.0.4"])
    before = peerfilter.kernel_drops(receiver)
    _send_from(["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"], port)
    assert _received(receiver) == ["127.0.0.2", "127.0.0.4"]
    assert before is not None and peerfilter.kernel_drops(receiver) == before + 2


def test_detach_lets_everyone_through_again(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    peerfilter.attach(receiver, ["127.0.0.2"])
    peerfilter.detach(receiver)
    peerfilter.detach(receiver)  # no filter attached: not an error
    _send_from(["127.0.0.2", "127.0.0.3"], port)
    assert _received(receiver) == ["127.0.0.2", "127.0.0.3"]


def test_a_new_filter_replaces_the_old_one(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    peerfilter.attach(receiver, ["127.0.0.2"])
    peerfilter.attach(receiver, ["127.0.0.3"])
    _send_from(["127.0.0.2", "127.0.0.3"], port)
    assert _received(receiver) == ["127.0.0.3"]


@pytest.mark.parametrize("addresses", [[], ["nope"], [f"127.0.0.{i}" for i in range(1, 80)]])
def test_program_refuses_what_it_cannot_express(addresses: list[str]) -> None:
    with pytest.raises(ValueError):
        peerfilter.program(addresses)


def test_program_is_load_compare_per_address_then_drop_or_keep() -> None:
    code = peerfilter.program(["192.0.2.12", "192.0.2.11"])
    assert len(code) == 8 * 5  # ld, 2 x jeq, ret 0, ret all
    assert code[:2] == b"\x20\x00" and code[-8:] == b"\x06\x00\x00\x00\xff\xff\xff\xff"
