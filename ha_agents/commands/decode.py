"""`ha-agents decode`: show Heartbeat datagrams and check their signatures.

    ha-agents decode [--authkeys FILE] [--hex] [--json] [INPUT|-]
    ha-agents decode [--authkeys FILE] [--json] [--port N] --pcap FILE.pcap

One datagram from INPUT (raw bytes, or hex text with --hex; default stdin), or every
UDP datagram to/from port 694 (--port) in a tcpdump capture.  Exit 0 when every
datagram decodes (and, with --authkeys, verifies), 1 when a signature is bad, 2 when a
datagram is malformed or the input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location
from ha_agents.wire.auth import Authenticator
from ha_agents.wire.codec import Datagram, Field, WireError, decode
from ha_agents.wire.pcap import PcapError, UdpPacket, parse_capture

PROG = "ha-agents decode"
DEFAULT_PORT = 694


class InputError(Exception):
    """Input we cannot use (unreadable file, bad hex, bad authkeys): exit 2."""


# -- authkeys --------------------------------------------------------------------------


def parse_authkeys(text: str, path: str) -> AuthKeys:
    """A minimal authkeys reader for this tool (``auth N`` + ``N method [key]`` lines).

    The key is the text after the method up to the first whitespace - what Heartbeat
    actually signs with; only whole lines starting with ``#`` are comments (run F's
    key ``SplitBrain#F`` was used whole by Heartbeat).  Used only when the config
    package's full parser (``ha_agents.config.authkeys``) is not available.
    """
    active: int | None = None
    keys: dict[int, AuthKey] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        words = raw.split()
        if not words or words[0].startswith("#"):  # "#" mid-line is part of a key
            continue
        where = f"{path}:{lineno}"
        if words[0] == "auth":
            if len(words) != 2 or not words[1].isdigit():
                raise InputError(f"{where}: expected 'auth N'")
            active = int(words[1])
            continue
        if not words[0].isdigit() or len(words) < 2:
            raise InputError(f"{where}: expected 'N method [key]'")
        try:
            method = AuthMethod(words[1].lower())
        except ValueError:
            raise InputError(f"{where}: unknown method {words[1]!r}") from None
        if method is not AuthMethod.CRC and len(words) < 3:
            raise InputError(f"{where}: method {method.value} needs a key")
        key = words[2].encode("latin-1", "replace") if len(words) > 2 else b""
        idx = int(words[0])
        keys[idx] = AuthKey(idx, method, key, Location(path, lineno))
    if active is None:
        raise InputError(f"{path}: no 'auth N' line")
    if active not in keys:
        raise InputError(f"{path}: 'auth {active}' but key {active} is not defined")
    return AuthKeys(active, keys, Location(path, 1))


def _load_authkeys(path: str) -> AuthKeys:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read authkeys {path}: {exc.strerror}") from exc
    try:  # the config engineer's full parser (diagnostics with codes), when present
        from ha_agents.config.authkeys import parse_authkeys as parse_full
        from ha_agents.config.diagnostics import render_text
        from ha_agents.config.lines import decode as decode_text
    except ImportError:
        return parse_authkeys(data.decode("latin-1"), path)
    try:
        keys, diags = parse_full(decode_text(data), path, mode=None, extensions=True)
    except TypeError:  # an incompatible parser version: use ours rather than fail
        return parse_authkeys(data.decode("latin-1"), path)
    if diags:
        sys.stderr.write(render_text(diags))
    if keys is None:
        raise InputError(f"{path}: unusable authkeys file")
    return keys


# -- one datagram ----------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    number: int
    payload: bytes
    origin: dict[str, Any] = field(default_factory=dict)
    datagram: Datagram | None = None
    error: WireError | None = None  # malformed
    auth_error: WireError | None = None  # decoded, but not trusted
    checked: bool = False
    key: AuthKey | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "malformed"
        if self.auth_error is not None:
            return "bad_signature"
        return "good" if self.checked else "decoded"


def _examine(result: Result, auth: Authenticator | None) -> Result:
    try:
        result.datagram = decode(result.payload)
    except WireError as exc:
        result.error = exc
        return result
    if auth is None:
        return result
    result.checked = True
    dg = result.datagram
    try:
        auth.verify(dg)
    except WireError as exc:
        result.auth_error = exc
    idx = dg.trailer.key_index if dg.trailer is not None else None
    if idx is not None:
        result.key = auth.keys.keys.get(idx)
    return result


def _value_text(f: Field) -> str:
    if f.type == 1:
        return f.value.hex()
    text = f.value.decode("latin-1")
    if text.isprintable() and text.isascii():
        return text
    return repr(f.value)[2:-1]


def _origin_text(o: dict[str, Any]) -> str:
    if not o:
        return ""
    return f" {o['src']}:{o['sport']} -> {o['dst']}:{o['dport']}" + (
        " (truncated by the capture)" if o.get("truncated") else ""
    )


def _render_text(r: Result, out: list[str]) -> None:
    head = f"datagram {r.number}{_origin_text(r.origin)}: {len(r.payload)} bytes"
    if r.datagram is None:
        assert r.error is not None
        out.append(f"{head}: MALFORMED ({r.error.reason}: {r.error.detail})")
        return
    dg = r.datagram
    out.append(f"{head}, {dg.format}, t={dg.message.type}")
    for f in dg.message.fields:
        prefix = "" if f.type == 0 else f"({f.type})"
        out.append(f"  {prefix}{f.name}={_value_text(f)}")
    if dg.trailer is not None:
        out.append(f"  [trailer] key index {dg.trailer.key_index}, digest {dg.trailer.digest}")
    if r.checked:
        if r.auth_error is None:
            method = r.key.method.value if r.key else "?"
            out.append(f"  signature: good ({method}, key index {r.key.index if r.key else '?'})")
        else:
            out.append(f"  signature: BAD ({r.auth_error.reason}: {r.auth_error.detail})")


def _render_json(r: Result) -> dict[str, Any]:
    doc: dict[str, Any] = {"number": r.number, "length": len(r.payload), "status": r.status}
    doc.update(r.origin)
    if r.error is not None:
        doc["error"] = {"reason": r.error.reason, "detail": r.error.detail}
        doc["hex"] = r.payload.hex()
        return doc
    assert r.datagram is not None
    dg = r.datagram
    doc["format"] = dg.format
    doc["type"] = dg.message.type
    doc["fields"] = [
        {"name": f.name, "type": f.type, "value": _value_text(f)} for f in dg.message.fields
    ]
    if dg.trailer is not None:
        doc["trailer"] = {"key_index": dg.trailer.key_index, "digest": dg.trailer.digest}
    if r.checked:
        doc["signature"] = (
            {"ok": True, "method": r.key.method.value if r.key else None}
            if r.auth_error is None
            else {"ok": False, "reason": r.auth_error.reason, "detail": r.auth_error.detail}
        )
    return doc


# -- inputs ----------------------------------------------------------------------------


def _read_input(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _from_hex(raw: bytes) -> bytes:
    text = raw.decode("ascii", "replace")
    compact = "".join(text.split())
    if compact.lower().startswith("0x"):
        compact = compact[2:]
    try:
        return bytes.fromhex(compact)
    except ValueError:
        raise InputError("--hex: the input is not hexadecimal") from None


def _packets(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    if args.pcap is not None:
        try:
            cap = parse_capture(_read_input(args.pcap), None)
        except PcapError as exc:
            raise InputError(f"{args.pcap}: {exc}") from exc
        port = args.port or DEFAULT_PORT
        packets = [p for p in cap.packets if port in (p.sport, p.dport)]
        if not packets and args.port is None:
            # udpport mismatch is a classic reason for nodes not seeing each other:
            # show Heartbeat-looking datagrams on whatever port they use.
            packets = [p for p in cap.packets if p.payload[:4] in (b"###\n", b">>>\n")]
            ports = sorted({p.dport for p in packets})
            if packets:
                cap.warnings.append(
                    f"no datagrams on port {port}; showing Heartbeat datagrams on port(s) "
                    f"{', '.join(map(str, ports))} (check udpport in ha.cf)"
                )
        args.port_label = str(port)
        if packets and port not in (packets[0].sport, packets[0].dport):
            args.port_label = ", ".join(map(str, sorted({p.dport for p in packets})))
        args.port = port
        return [_from_udp(p) for p in packets], cap.warnings
    raw = _read_input(args.input)
    return [Result(1, _from_hex(raw) if args.hex else raw)], []


def _from_udp(p: UdpPacket) -> Result:
    origin = {"frame": p.number, "time": p.time, "src": p.src, "sport": p.sport}
    origin.update({"dst": p.dst, "dport": p.dport, "truncated": p.truncated})
    return Result(p.number, p.payload, origin)


def run(args: argparse.Namespace) -> int:
    if args.pcap is not None and args.input is not None:
        print(f"{PROG}: give either INPUT or --pcap, not both", file=sys.stderr)
        return 2
    if args.pcap is not None and args.hex:
        print(f"{PROG}: --hex applies to INPUT, not to --pcap", file=sys.stderr)
        return 2
    if args.input is None:
        args.input = "-"
    try:
        auth = Authenticator(_load_authkeys(args.authkeys)) if args.authkeys else None
        results, warnings = _packets(args)
    except InputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)
    for r in results:
        _examine(r, auth)
    counts = {s: 0 for s in ("good", "decoded", "bad_signature", "malformed")}
    for r in results:
        counts[r.status] += 1
    if args.json:
        doc = {"datagrams": [_render_json(r) for r in results], "summary": counts}
        print(json.dumps(doc, indent=2))
    else:
        lines: list[str] = []
        for r in results:
            _render_text(r, lines)
        if args.pcap is not None:
            summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
            label = f"port {args.port_label}"
            lines.append(f"{len(results)} datagrams on {label}: {summary or 'none'}")
        print("\n".join(lines))
    if args.pcap is not None and not results:
        print(f"{PROG}: no UDP datagrams on port {args.port} in {args.pcap}", file=sys.stderr)
    if counts["malformed"]:
        return 2
    return 1 if counts["bad_signature"] else 0


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}")
    return int(text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "decode",
        help="decode Heartbeat datagrams (raw, hex or a pcap capture) and check signatures",
        description=(
            "Print the fields of a Heartbeat datagram, or of every UDP datagram on the "
            "Heartbeat port in a tcpdump capture, and with --authkeys whether each "
            "signature is good. Exit 0 all good, 1 a bad signature, 2 malformed input."
        ),
    )
    p.add_argument("input", nargs="?", metavar="INPUT", help="datagram file, '-' for stdin")
    p.add_argument("--authkeys", metavar="FILE", help="verify with this authkeys file")
    p.add_argument("--hex", action="store_true", help="INPUT is hex text, not raw bytes")
    p.add_argument("--pcap", metavar="FILE", help="read every datagram from a capture")
    p.add_argument(
        "--port",
        type=_port,
        default=None,
        help="UDP port in the capture (default 694; if nothing is there, any port "
        "carrying Heartbeat datagrams)",
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except WireError as exc:  # defensive: decode() raises only this
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
