"""One HTTP/1.1 connection adapted to :class:`~yamlperf.demo.app.DemoApp`.

Keep-alive with a correct ``Content-Length`` on every answer, ``Connection: close`` honoured,
Nagle disabled, no reverse DNS, access lines to the server's logger (never stderr), and
protocol-level errors answered in JSON like everything else.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from yamlperf.demo.messages import (
    HttpError,
    Request,
    Response,
    error_response,
    json_response,
    with_timing,
)

if TYPE_CHECKING:
    import logging

    from yamlperf.demo.app import DemoApp

MAX_BODY = 1024 * 1024
_MAX_TRAILERS = 64


class HandlerServer(Protocol):
    """What the handler needs from its server (its ``server`` attribute)."""

    app: DemoApp
    logger: logging.Logger


class DemoRequestHandler(BaseHTTPRequestHandler):
    """Adapts one HTTP/1.1 connection to :class:`DemoApp`; any number of requests per connection."""

    protocol_version = "HTTP/1.1"
    server_version = "yamlperf-demo/0.1"
    sys_version = ""
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # status line, headers and body leave in one send at the flush
    timeout = 300  # an idle keep-alive connection is dropped after this many seconds
    server: HandlerServer  # type: ignore[assignment]

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            body = self._read_body()
        except HttpError as error:
            self.close_connection = True  # the rest of the stream cannot be trusted
            response = with_timing(error_response(error), 0.0, time.perf_counter() - started, 0)
        else:
            split = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=unquote(split.path),
                query=parse_qs(split.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            response = self.server.app.handle(request)
        self._send(response)
        self.server.logger.info(
            '%s "%s" %d %d %.2fms',
            self.address_string(),
            self.requestline,
            response.status,
            len(response.body),
            (time.perf_counter() - started) * 1000.0,
        )

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError as exc:
            raise HttpError(400, "Content-Length is not an integer") from exc
        if length < 0:
            raise HttpError(400, "Content-Length is negative")
        if length > MAX_BODY:
            raise HttpError(413, f"request body is larger than {MAX_BODY} bytes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:  # bounded: every pass reads a non-empty chunk and MAX_BODY caps the total
            try:
                size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            except ValueError as exc:
                raise HttpError(400, "bad chunk size") from exc
            if size <= 0:
                break
            total += size
            if total > MAX_BODY:
                raise HttpError(413, f"request body is larger than {MAX_BODY} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after the chunk
        for _ in range(_MAX_TRAILERS):
            if self.rfile.readline(1024).strip() == b"":
                break
        return b"".join(chunks)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status >= 200 and response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.body and getattr(self, "command", "") != "HEAD":
            self.wfile.write(response.body)

    def handle_expect_100(self) -> bool:
        """Send ``100 Continue`` now: the write buffer would otherwise hold it back."""
        accepted = super().handle_expect_100()
        self.wfile.flush()
        return accepted

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unknown method...) as JSON, then close."""
        self.close_connection = True
        reason = message or self.responses.get(code, ("error",))[0]
        self.server.logger.info(
            '%s "%s" %d %s', self.address_string(), getattr(self, "requestline", ""), code, reason
        )
        self._send(with_timing(json_response(code, {"error": reason}), 0.0, 0.0, 0))

    def version_string(self) -> str:
        """The ``Server`` header: just the demo's name and version."""
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Access lines are written by :meth:`_serve`, with the handling time."""

    def log_message(self, format: str, *args: object) -> None:
        self.server.logger.info("%s %s", self.address_string(), format % args)

    def address_string(self) -> str:
        """The client IP as is: no reverse DNS lookup."""
        return str(self.client_address[0])
