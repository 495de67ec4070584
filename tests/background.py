"""A stdlib HTTP server served on a daemon thread for the life of a ``with`` block: the lifecycle
the test servers (``servers.RecordsServer``, ``real_api.RealApiServer``, ``ci.delay_server``) share."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Self


class Background:
    """Call ``_serve_in_background(httpd)`` in ``__init__``; ``url`` then names it, ``with`` runs and stops it."""

    scheme = "http"

    def _serve_in_background(self, httpd: HTTPServer) -> None:
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._httpd.server_port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


class JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, quiet; GET, POST and DELETE go to ``dispatch`` (others answer 501), which
    reads the request with ``body()`` and answers with ``send_json``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read what the servers counted, not a log."""

    def do_GET(self) -> None:
        self.dispatch()

    do_POST = do_DELETE = do_GET

    def dispatch(self) -> None:
        raise NotImplementedError

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        """``payload`` as JSON (``None``: an empty body) with ``headers`` after the status line."""
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
