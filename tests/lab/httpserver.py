"""A tiny HTTP server for failover tests: answers every GET with its node name.

``python -m tests.lab.httpserver --name node1 [--bind 0.0.0.0] [--port 80]
[--ready FILE]``.  Bound to 0.0.0.0 by default, it answers on a VIP as soon as the
VIP is on one of the host's interfaces.  :func:`serve_name` starts one on a lab host.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.lab.netns import Host
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until


def _handler(name: str) -> type[BaseHTTPRequestHandler]:
    body = (name + "\n").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab.httpserver")
    ap.add_argument("--name", required=True)
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--ready", default=None, help="file to create once listening")
    args = ap.parse_args(argv)
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    try:
        server = ThreadingHTTPServer((args.bind, args.port), _handler(args.name))
    except OSError as e:
        print(
            f"httpserver: cannot listen on {args.bind}:{args.port}: {e.strerror}", file=sys.stderr
        )
        return 1
    if args.ready:
        Path(args.ready).touch()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


def serve_name(
    host: Host, name: str | None = None, port: int = 80, bind: str = "0.0.0.0", wait: float = 10.0
) -> subprocess.Popen[bytes]:
    """Start the name server on ``host`` (tracked); return once it listens."""
    label = name or host.name
    ready = host.lab.tmpdir / f"http-{host.name}-{port}.ready"
    ready.unlink(missing_ok=True)
    log = host.lab.logfile(f"http-{host.name}-{port}.err")
    with open(log, "wb") as err:
        proc = host.popen(
            [
                sys.executable,
                "-m",
                "tests.lab.httpserver",
                "--name",
                label,
                "--bind",
                bind,
                "--port",
                str(port),
                "--ready",
                str(ready),
            ],
            stderr=err,
        )
    if not wait_until(lambda: ready.exists() or proc.poll() is not None, timeout=wait):
        raise LabError(f"http server on {host.name} did not start within {wait}s")
    if proc.poll() is not None:
        raise LabError(f"http server on {host.name} failed: {log.read_text(errors='replace')}")
    return proc


if __name__ == "__main__":
    raise SystemExit(main())
