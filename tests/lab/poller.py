"""HTTP client poller: ``python -m tests.lab.poller --url URL --out FILE ...``.

Run in a client namespace (see :class:`HttpPoller`).  Sends a GET every ``interval``
seconds on a fresh connection (as a new client would), with a short timeout, and
appends one JSON line per request to ``--out``: seq, start/end (monotonic), wall, ok,
status, backend (the body), error.  Stops after ``--duration`` seconds or on SIGTERM.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from tests.lab import outage
from tests.lab.netns import Host
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until


def _one_request(
    host: str, port: int, path: str, timeout: float
) -> tuple[bool, int | None, str, str]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        body = resp.read(4096).decode("utf-8", "replace").strip()
        return 200 <= resp.status < 300, resp.status, body, ""
    except (OSError, http.client.HTTPException) as e:
        return False, None, "", type(e).__name__ + (f": {e}" if str(e) else "")
    finally:
        conn.close()


_stop = False


def _on_term(signum: int, frame: FrameType | None) -> None:
    global _stop
    _stop = True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab.poller")
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=0.2)
    args = ap.parse_args(argv)
    u = urllib.parse.urlsplit(args.url)
    if u.scheme != "http" or not u.hostname:
        print(f"poller: only http://HOST[:PORT]/PATH URLs, got {args.url!r}", file=sys.stderr)
        return 2
    if not (0 < args.interval <= 60 and 0 < args.duration <= 86400 and 0 < args.timeout <= 60):
        print("poller: interval, duration and timeout must be positive and sane", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_term)
    port = u.port or 80
    path = u.path or "/"
    begin = time.monotonic()
    max_requests = int(args.duration / args.interval) + 1
    with open(args.out, "a", encoding="utf-8", buffering=1) as out:
        for seq in range(max_requests):
            if _stop:
                break
            due = begin + seq * args.interval
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            if time.monotonic() - begin > args.duration:
                break
            wall = time.time()
            start = time.monotonic()
            ok, status, body, error = _one_request(u.hostname, port, path, args.timeout)
            end = time.monotonic()
            rec = {
                "seq": seq,
                "start": start,
                "end": end,
                "wall": wall,
                "ok": ok,
                "status": status,
                "backend": body if ok else "",
                "error": error,
            }
            out.write(json.dumps(rec) + "\n")
    return 0


@dataclass
class HttpPoller:
    """Poll ``url`` from ``client`` (a lab host) in the background; read samples any time.

    poller = HttpPoller(client, "http://192.0.2.50/").start()
    poller.wait_ok(timeout=10)
    fault = time.monotonic(); node.kill()
    poller.wait_ok(timeout=10, after=fault)
    print(poller.outage(fault).recovery)
    """

    client: Host
    url: str
    interval: float = 0.01
    duration: float = 120.0
    timeout: float = 0.2
    out: Path | None = None

    def __post_init__(self) -> None:
        if self.out is None:
            self.out = self.client.lab.tmpdir / f"poll-{self.client.name}-{id(self):x}.jsonl"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> HttpPoller:
        assert self.out is not None
        self.out.touch()
        self._err = self.out.with_suffix(".err")
        with open(self._err, "wb") as err:
            self._proc = self.client.popen(
                [
                    sys.executable,
                    "-m",
                    "tests.lab.poller",
                    "--url",
                    self.url,
                    "--out",
                    str(self.out),
                    "--interval",
                    str(self.interval),
                    "--duration",
                    str(self.duration),
                    "--timeout",
                    str(self.timeout),
                ],
                stderr=err,
            )
        return self

    def stop(self) -> list[outage.Sample]:
        """Stop polling (SIGTERM, bounded wait) and return every sample."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=3)
        return self.samples()

    def samples(self) -> list[outage.Sample]:
        assert self.out is not None
        try:
            text = self.out.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return outage.parse_lines(text.splitlines())

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait_ok(self, timeout: float, after: float = 0.0, backend: str | None = None) -> bool:
        """Wait until a request sent after ``after`` succeeded (from ``backend`` if given)."""

        def seen() -> bool:
            if self._proc is not None and self._proc.poll() not in (None, 0):
                err = self._err.read_text(errors="replace")[-500:]
                raise LabError(f"poller exited {self._proc.returncode}: {err}")
            return any(
                s.ok and s.start > after and (backend is None or s.backend == backend)
                for s in self.samples()
            )

        return wait_until(seen, timeout, interval=0.05)

    def outage(self, fault: float) -> outage.Outage:
        return outage.outage_after(self.samples(), fault)


if __name__ == "__main__":
    raise SystemExit(main())
