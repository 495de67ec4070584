"""A stdlib HTTP server served on a daemon thread for the life of a ``with`` block: the lifecycle
the test servers (``servers.RecordsServer``, ``real_api.RealApiServer``, ``ci.delay_server``) share."""

from __future__ import annotations

import threading
from http.server import HTTPServer
from typing import Self


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
