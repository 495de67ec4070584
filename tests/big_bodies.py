"""A server that streams large answer bodies (``GET /big?mb=N``, ``&chunked=1`` for chunked framing,
``&gzip=1`` for a compressed one), and a bounded run of a plan in a child process whose peak RSS is read.

    python tests/big_bodies.py PLAN {fast,urllib3}     # run PLAN with that transport, print the cells
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from background import Background

CHUNK = b"x" * (1024 * 1024)
MIXED = os.urandom(256 * 1024) + b"x" * (768 * 1024)
"""A megabyte that gzip shrinks to about a quarter: a compressed answer still well over 64 KiB."""
ROOT = Path(__file__).resolve().parents[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        megabytes = int(query.get("mb", "1"))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if query.get("gzip"):
            data = _compressed(megabytes)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        chunked = bool(query.get("chunked"))
        self.send_header("Transfer-Encoding", "chunked") if chunked else \
            self.send_header("Content-Length", str(megabytes * len(CHUNK)))
        self.end_headers()
        try:
            for _ in range(megabytes):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: max_body, or a timeout


@functools.cache
def _compressed(megabytes: int) -> bytes:
    return gzip.compress(MIXED * megabytes, 1)


class BigBodyServer(Background):
    def __init__(self) -> None:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        self._serve_in_background(httpd)


def run_bounded(plan: Path, transport: str, timeout: float = 120.0) -> tuple[int, str, int]:
    """Run ``plan`` in a child process (killed after ``timeout``): its exit code, its output and its
    peak resident memory in bytes: the child's own high-water mark (``VmHWM``), since Linux starts a
    child's ``ru_maxrss`` at its parent's resident size when it forks (a test process that grew
    would count against the run)."""
    child = subprocess.Popen([sys.executable, __file__, str(plan), transport], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            output = child.stdout.read() if child.stdout else ""
            child.returncode = os.waitstatus_to_exitcode(status)
            own = [line for line in output.splitlines() if line.startswith(PEAK_PREFIX)]
            peak = int(own[-1].removeprefix(PEAK_PREFIX)) * 1024 if own else usage.ru_maxrss * 1024
            return child.returncode, output, peak
        time.sleep(0.05)
    child.kill()
    child.wait()
    raise TimeoutError(f"the run of {plan} took more than {timeout}s")


PEAK_PREFIX = "peak-rss-kb: "


def _own_peak_kb() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)


def _main(plan: str, transport: str) -> None:
    from yamlperf.engine.fast_http import FastTransport
    from yamlperf.engine.http import Urllib3Transport
    from yamlperf.engine.runner import RunOptions, run_scenario
    from yamlperf.loader import load_scenario
    from yamlperf.results import cell_to_json

    factory = FastTransport if transport == "fast" else Urllib3Transport
    outcome = run_scenario(load_scenario(plan), RunOptions(transport=factory))
    peak = _own_peak_kb()
    if peak is not None:
        print(f"{PEAK_PREFIX}{peak}")
    print(json.dumps([{k: v for k, v in cell_to_json(c).items() if k in ("endpoint", "requests", "successes",
                       "failures", "errors", "bytes_received")} for c in outcome.result.cells]))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
