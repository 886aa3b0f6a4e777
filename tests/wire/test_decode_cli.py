"""`ha-agents decode` on real captures, single datagrams, hex, JSON; exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ha_agents.cli import main
from ha_agents.wire.pcap import parse_capture
from tests.wire.helpers import REPO_ROOT, VALID, Vector, pcap_files


def _authkeys_for(run: str, tmp_path: Path) -> Path:
    vec = next(v for v in VALID if v.run == run)
    path = tmp_path / f"authkeys-{run}"
    if run == "S_spacekey":  # the real line; Heartbeat signs with the first word only
        line = f"{vec.key_index} sha1 key with  spaces"
    else:
        line = f"{vec.key_index} {vec.method.value} {vec.key.decode('latin-1')}".rstrip()
    path.write_text(f"# test\nauth {vec.key_index}\n{line}\n")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["decode", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("pcap", pcap_files(), ids=lambda p: p.name)
def test_every_capture_decodes_and_verifies(
    pcap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = pcap.stem
    port = "6940" if "port6940" in run else "694"
    expected = len(parse_capture(pcap.read_bytes(), int(port)).packets)
    assert expected > 0
    ak = _authkeys_for(run, tmp_path)
    rc, out, err = _run(capsys, "--pcap", str(pcap), "--port", port, "--authkeys", str(ak))
    assert rc == 0, err
    assert out.rstrip().endswith(f"{expected} datagrams on port {port}: {expected} good")
    assert out.count("signature: good") == expected


def test_capture_with_the_wrong_key_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ak = tmp_path / "authkeys"
    ak.write_text("auth 3\n3 md5 notTheKey\n")
    pcap = next(p for p in pcap_files() if p.name == "t0.pcap")
    rc, out, _ = _run(capsys, "--pcap", str(pcap), "--authkeys", str(ak))
    assert rc == 1
    assert "signature: BAD (bad_trailer_digest" in out


def test_capture_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pcap = next(p for p in pcap_files() if p.name == "C_crc_legacy.pcap")
    rc, out, _ = _run(
        capsys,
        "--json",
        "--pcap",
        str(pcap),
        "--authkeys",
        str(_authkeys_for("C_crc_legacy", tmp_path)),
    )
    doc = json.loads(out)
    assert rc == 0
    first = doc["datagrams"][0]
    assert first["src"] == "192.0.2.11" and first["dport"] == 694
    assert first["fields"][0] == {"name": "t", "type": 0, "value": "status"}
    assert first["signature"] == {"ok": True, "method": "crc"}
    assert doc["summary"]["good"] == len(doc["datagrams"])


def _vec(name: str) -> Vector:
    return next(v for v in VALID if v.name == name)


def test_single_raw_datagram_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec = _vec("t0/pkt0000/node1/status")
    f = tmp_path / "dgram"
    f.write_bytes(vec.data)
    rc, out, _ = _run(capsys, str(f))
    assert rc == 0
    assert "  st=init\n" in out and "  (1)srcuuid=5718d19da03a4b4c9b68e6547f446c26\n" in out
    assert "signature" not in out  # no --authkeys, nothing checked


def test_hex_input_with_authkeys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec = _vec("t0/pkt0000/node1/status")
    f = tmp_path / "hex"
    hx = vec.data.hex()
    f.write_text(hx[:100] + "\n" + hx[100:] + "\n")
    rc, out, _ = _run(capsys, "--hex", "--authkeys", str(_authkeys_for("t0", tmp_path)), str(f))
    assert rc == 0 and "signature: good (md5, key index 3)" in out


def test_malformed_datagram_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad"
    f.write_bytes(_vec("t0/pkt0000/node1/status").data[:-1])
    rc, out, _ = _run(capsys, str(f))
    assert rc == 2 and "MALFORMED (truncated" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/nonexistent/file"], "cannot read /nonexistent/file"),
        (["--pcap", "/etc/passwd"], "not a pcap/pcapng file"),
        (["--hex", "--pcap", "x"], "--hex applies to INPUT"),
        (["--authkeys", "/nonexistent/ak", "x"], "cannot read authkeys"),
    ],
)
def test_unusable_input_exits_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = _run(capsys, *argv)
    assert rc == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_authkeys_and_bad_hex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ak = tmp_path / "ak"
    ak.write_text("auth 1\n1 rot13 k\n")
    f = tmp_path / "x"
    f.write_text("zz")
    rc, _, err = _run(capsys, "--authkeys", str(ak), str(f))
    assert rc == 2 and "ak:2:" in err and "rot13" in err
    rc, _, err = _run(capsys, "--hex", str(f))
    assert rc == 2 and "not hexadecimal" in err


def test_stdin_via_the_real_command() -> None:
    vec = _vec("B_sha1_off/pkt0001/node1/status")
    proc = subprocess.run(
        [sys.executable, "-m", "ha_agents", "decode", "--hex", "-"],
        input=vec.data.hex().encode(),
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"t=status" in proc.stdout and b"[trailer] key index 2" in proc.stdout


def test_fallback_authkeys_parser_keeps_heartbeats_key_rules() -> None:
    from ha_agents.commands.decode import InputError, parse_authkeys

    ks = parse_authkeys(
        "# comment\nauth 1\n1 md5 SplitBrain#F\n2 sha1 key with  spaces\n3 crc\n", "ak"
    )
    assert ks.active == 1
    assert ks.keys[1].key == b"SplitBrain#F" and ks.keys[2].key == b"key"
    assert ks.keys[3].method.value == "crc"
    for bad in ("1 md5 k\n", "auth 2\n1 md5 k\n", "auth x\n", "auth 1\n1 md5\n"):
        with pytest.raises(InputError):
            parse_authkeys(bad, "ak")


def test_capture_on_another_udpport_is_found_and_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pcap = next(p for p in pcap_files() if p.name == "G_md5_port6940.pcap")
    ak = _authkeys_for("G_md5_port6940", tmp_path)
    rc, out, err = _run(capsys, "--pcap", str(pcap), "--authkeys", str(ak))
    assert rc == 0
    assert "check udpport in ha.cf" in err
    assert out.rstrip().endswith("11 datagrams on port 6940: 11 good")
    rc, out, err = _run(capsys, "--pcap", str(pcap), "--port", "694")
    assert rc == 0 and "no UDP datagrams on port 694" in err
