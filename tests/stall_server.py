"""A local HTTP server that answers at once, except for one stall: every request that arrives during
``[first request + stall_after, + stall_for)`` is held until the stall ends, as a target does during
a garbage-collection pause, a lock or a failover. With ``delay``, each of those requests is answered
``delay`` seconds after it arrived instead, so their answers spread over the stall as its arrivals do
(a slow spell rather than a pause). Stdlib only, keep-alive, port 0.

    with StallServer(stall_after=1.0, stall_for=1.0) as server:
        server.url, server.requests, server.held   # held: the requests that arrived in the stall
"""

from __future__ import annotations

import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from background import Background, JsonHandler


class _Handler(JsonHandler):
    server: _Server

    def dispatch(self) -> None:
        self.server.app.hold()
        self.send_json(200, {"ok": True})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    app: StallServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up at the end of a bounded run is expected."""


class StallServer(Background):
    def __init__(self, *, stall_after: float, stall_for: float, delay: float | None = None) -> None:
        self.stall_after = stall_after
        self.stall_for = stall_for
        self.delay = delay
        self.requests = 0
        self.held = 0
        self.first: float | None = None
        self._lock = threading.Lock()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.app = self
        self._serve_in_background(httpd)

    def hold(self) -> None:
        now = time.monotonic()
        with self._lock:
            self.requests += 1
            if self.first is None:
                self.first = now
            begin = self.first + self.stall_after
            end = begin + self.stall_for
            stalled = begin <= now < end
            self.held += stalled
        if stalled:
            time.sleep(end - now if self.delay is None else self.delay)
