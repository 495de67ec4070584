"""The HTTP layer: a keep-alive, thread-per-connection server and the :class:`DemoServer` API.

``DemoServer`` owns everything it creates (temp dir, database, log handler, listening socket,
serving thread) and releases all of it in :meth:`DemoServer.close`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import shutil
import socket
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from yamlperf.demo.app import DemoApp
from yamlperf.demo.handler import DemoRequestHandler
from yamlperf.demo.store import Store

DEFAULT_USERS: Mapping[str, str] = {"admin": "admin_password"}
_instance_numbers = itertools.count(1)


class _DemoHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that tracks its client sockets so it can close them on shutdown."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # a load test opens many connections at once

    def __init__(self, address: tuple[str, int], app: DemoApp, logger: logging.Logger) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.logger = logger
        self._clients: set[socket.socket] = set()
        self._clients_lock = threading.Lock()
        super().__init__(address, DemoRequestHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's getfqdn() reverse lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._clients_lock:
            self._clients.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._clients_lock:
            self._clients.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Log to the log file, never to stderr; a client hanging up is not an error."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            self.logger.debug("client %s went away: %r", client_address, error)
        else:
            self.logger.exception("error serving %s", client_address)

    def close_clients(self, wait: float) -> None:
        """Hang up on every open connection and wait up to ``wait`` s for their threads."""
        with self._clients_lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + wait
        while self._clients and time.monotonic() < deadline:
            time.sleep(0.01)


class DemoServer:
    """The demo API served from a background thread; use it as a context manager.

    ``db_path``/``log_path`` of None mean files in a fresh temporary directory, removed on
    close. ``port=0`` picks any free port; :attr:`url` tells which.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        token_ttl: float = 900.0,
        users: Mapping[str, str] | None = None,
        require_auth: bool = True,
        db_path: str | Path | None = None,
        log_path: str | Path | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self._requested_port = port
        self.token_ttl = float(token_ttl)
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.require_auth = require_auth
        self._db_arg = Path(db_path) if db_path is not None else None
        self._log_arg = Path(log_path) if log_path is not None else None
        self._db_path: Path | None = None
        self._log_path: Path | None = None
        self._temp_dir: Path | None = None
        self._store: Store | None = None
        self._log_handler: logging.Handler | None = None
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> DemoServer:
        """Create the database and log, bind the port and start serving; returns self."""
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        try:
            if self._db_arg is None or self._log_arg is None:
                self._temp_dir = Path(tempfile.mkdtemp(prefix="yamlperf-demo-"))
            self._db_path = self._db_arg or self._temp_path("demo.sqlite3")
            self._log_path = self._log_arg or self._temp_path("demo-server.log")
            logger = self._open_logger(self._log_path)
            self._store = Store(self._db_path)
            app = DemoApp(self._store, self.users, self.token_ttl, self.require_auth, logger)
            self._httpd = _DemoHTTPServer((self.host, self._requested_port), app, logger)
        except BaseException:
            self.close()
            raise
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"yamlperf-demo-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("listening on %s (db %s)", self.url, self._db_path)
        return self

    def _temp_path(self, name: str) -> Path:
        assert self._temp_dir is not None
        return self._temp_dir / name

    def _open_logger(self, path: Path) -> logging.Logger:
        logger = logging.getLogger(f"yamlperf.demo.server.{next(_instance_numbers)}")
        logger.propagate = False  # never to the root logger, so never to stderr
        logger.setLevel(logging.INFO)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        self._log_handler = handler
        return logger

    def close(self) -> None:
        """Stop serving, hang up on clients, close the database and log, remove temp files."""
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
                self._thread.join(timeout=10)
            self._httpd.server_close()
            self._httpd.close_clients(wait=2.0)
            self._httpd = None
            self._thread = None
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._log_handler is not None:
            self._log_handler.close()
            self._log_handler = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- facts ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def db_path(self) -> Path | None:
        """The SQLite file (None before start)."""
        return self._db_path

    @property
    def log_path(self) -> Path | None:
        """The log file (None before start)."""
        return self._log_path

    def record_count(self) -> int:
        """Number of prompts, read straight from SQLite (no HTTP)."""
        if self._store is None:
            raise RuntimeError("the demo server is not running")
        return self._store.count()
