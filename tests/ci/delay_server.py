"""A local HTTP server whose answer time per path can be changed between runs: the system under
test for "the same scenario got slower on one endpoint". Stdlib only, port 0, keep-alive."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from background import Background


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self.do_POST()

    def do_DELETE(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.split("?")[0] == "/api/auth/login":
            creds = json.loads(body or b"{}")
            ok = creds == {"username": "user", "password": "user123"}
            self._send(200 if ok else 401, {"access_token": "token-123"} if ok else {"error": "bad login"})
            return
        self._answer(body)

    def _answer(self, body: bytes = b"") -> None:
        owner = self.server.owner
        path = self.path.split("?")[0]
        if path in owner.protected and self.headers.get("Authorization") != "Bearer token-123":
            self._send(401, {"error": "login first"})
            return
        owner.last = {"method": self.command, "path": path, "body": body.decode("utf-8", "replace"),
                      "headers": dict(self.headers)}
        time.sleep(owner.delays.get(path, 0.0))
        status = owner.status.get(path, 200)
        self._send(status, {"path": path, "method": self.command, "body": body.decode("utf-8", "replace"),
                            "headers": dict(self.headers)})

    def _send(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connects under concurrency: 1 s SYN retries
    owner: DelayServer


class DelayServer(Background):
    """``delays`` (seconds) and ``status`` per path may be changed while it runs; ``last`` is the
    last measured request. ``protected`` paths need the token ``POST /api/auth/login`` gives for
    ``user``/``user123`` (the seed's default credentials)."""

    def __init__(self, delays: dict[str, float] | None = None, protected: frozenset[str] = frozenset()) -> None:
        self.delays: dict[str, float] = dict(delays or {})
        self.status: dict[str, int] = {}
        self.protected = protected
        self.last: dict[str, Any] = {}
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._serve_in_background(server)
