"""The lean measured transport: one plain socket per worker and origin, requests as bytes, answers
parsed by ``httptools`` (llhttp, the parser of Node.js and uvicorn).

Why: on a 2-core machine urllib3 tops out near 5,300 requests/s per core and adds ~0.9 ms to
every measured time; plain sockets and llhttp do ~43,000 and add 0.1-0.2 ms (PERFORMANCE.md).
The difference is Python layers (http.client, email header parsing, buffered files), not HTTP.

It behaves like a careful client (urllib3, Go's net/http), because a load tester that counts its
own connection handling as server failures lies:
- a reused connection the server closed while idle is noticed before sending (``poll``, as
  urllib3's ``is_connection_dropped``) and replaced;
- a request that fails on a reused connection before any byte of the answer arrived (the server
  closed it as we sent) is sent once more on a new connection, when the method is idempotent or
  the request could not be written, and the server closed it cleanly or it had been idle for
  ``RETRY_AFTER_IDLE_S``; anything else is counted (see ``_worth_another_try``). A busy
  connection that resets is the target failing, and a load tester must count it (Go's net/http
  retries that too, and so hides it).
- a body sent to a HEAD (waitress does) is not the answer's and not the next one's: the connection
  goes, and after it the origin's connections are closed after each HEAD (Go's "unsolicited
  response on idle channel"); a request that is never sent twice (POST) does not follow such a HEAD
  on its connection, where a body arriving late would fail it;
- ``101 Switching Protocols`` is the answer, as urllib3 gives it (a websocket upgrade endpoint is
  measured to the upgrade); the connection then speaks another protocol and is closed;
- an answer is framed as urllib3 frames it where strict llhttp refuses or waits for the close: a
  ``Content-Length`` with a ``Transfer-Encoding`` that does not name chunked, and identical
  ``Content-Length`` values repeated (RFC 9110 8.6).

It returns the ``Exchange`` ``Urllib3Transport`` returns: status, case-insensitive headers with
repeated fields joined by ", ", the whole body decoded as urllib3 decodes it (Content-Encoding),
and faults in ``classify_fault``'s categories (an answer llhttp rejects is ``other``). The time
runs from sending (or connecting, when a connection must be opened) to the last byte of the body,
and the timeout bounds all of it. The end is when the kernel received that byte (Linux's receive
timestamps, ``SO_TIMESTAMPNS``), not when this thread next held the GIL to read it: with many worker
threads on a busy core that wait is the client's, not the target's (0.4-0.7 ms at the median
against a 50 ms server, 10 connections). Elsewhere, or when a clock steps, it is when the read
returned. Sockets stay blocking with their timeouts in the kernel (``SO_RCVTIMEO``): a Python
socket timeout polls before every read and write.
Plain http only: ``choose_transport`` picks urllib3 for https and proxies, and an https origin
met during a run (an absolute URL in a path) is sent through a urllib3 transport kept here.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import struct
import sys
import time
from http.client import IncompleteRead, RemoteDisconnected
from urllib.parse import urlsplit

from .http import (
    EXCERPT_BYTES,
    BodyTooLarge,
    Exchange,
    Prepared,
    TransportOptions,
    Urllib3Transport,
    classify_fault,
    describe_fault,
    raw_excerpt,
)
from .wire import (
    IDEMPOTENT,
    ResponseHeaders,
    encode_request,
    final_head_end,
    host_header,
    keeps_alive,
    length_despite_transfer,
    one_length,
)

try:
    import httptools
except ImportError as exc:  # the factory then picks urllib3; see transport_choice
    httptools = None
    IMPORT_ERROR = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = ""

logger = logging.getLogger(__name__)
RECV_BYTES = 128 * 1024
RETRY_AFTER_IDLE_S = 1.0
"""Keep-alive timeouts of servers and proxies are a second or more (gunicorn 2 s, uvicorn and
Node.js 5 s, nginx 75 s): a reused connection idle for less than this was not closed for idling."""
_STALE_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
_HEAD_BODY = httptools.HttpParserError if httptools is not None else ValueError
"""What the answer after a HEAD meets when the server sent that HEAD a body after all."""
_UPGRADE = httptools.HttpParserUpgrade if httptools is not None else ValueError
MAX_HEAD_BYTES = 65536
"""How much of a head is read to mend repeated ``Content-Length`` fields (http.client's line limit)."""
FRESH_S = 0.05
"""A connection whose last answer ended less than this ago is not polled before an idempotent
request goes on it (a system call a request): no server closes a connection for idling that soon,
and one closed right after its answer is met at the read and sent again (``_worth_another_try``)."""
SLACK_S = 0.001
SLACK_SHARE = 0.01
"""Connecting or sending longer than ``SLACK_S`` and this share of the timeout shortens the first
read to what is left of it (a system call each way): a worker thread waiting a few milliseconds for
its turn on a busy core sends late, and the timeout stays within 1% of what it was asked to be."""


def _leniencies(*names: str) -> dict[str, bool]:
    """What http.client (so urllib3) accepts and strict llhttp refuses: ``Transfer-Encoding`` with a
    ``Content-Length`` (chunked wins, RFC 9112 6.3), folded or unusual header values, bare LF line
    ends. A load tester does not fail a server on framing every other client reads the same way.
    Only those this httptools can set: ``set_dangerous_leniencies`` is newer than httptools 0.6.0."""
    if httptools is None:
        return {}
    setter = getattr(httptools.HttpResponseParser(object()), "set_dangerous_leniencies", None)
    if setter is None:
        return {}
    supported = {}
    for name in names:
        try:
            setter(**{name: True})
        except TypeError:
            logger.debug("httptools %s has no %s", httptools.__version__, name)
            continue
        supported[name] = True
    return supported


LENIENCIES = _leniencies("lenient_chunked_length", "lenient_headers", "lenient_optional_cr_before_lf")
_DROPPED = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
_GENERIC_SOCKET_ABI = {"x86_64", "aarch64", "arm64", "ppc64le", "ppc64", "s390x", "riscv64", "loongarch64"}
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS",
                         35 if sys.platform == "linux" and os.uname().machine in _GENERIC_SOCKET_ABI else 0)
"""Linux's receive timestamps (``SCM_TIMESTAMPNS``, the kernel's ``CLOCK_REALTIME``), which the
``socket`` module does not name: 35 where the architecture uses the generic socket options (alpha,
parisc and sparc number them otherwise, and go without)."""
_TIMESPEC = struct.Struct("@qq")
_STAMP_SPACE = socket.CMSG_SPACE(_TIMESPEC.size) if SO_TIMESTAMPNS else 0
_TIMEVAL = struct.Struct("@ll")
"""``struct timeval`` as ``SO_RCVTIMEO`` takes it: two C longs (8 bytes on 32-bit Linux, where a
64-bit second would be read as the seconds and a zero, and a time under 1 s as no timeout)."""


def _kernel_timeout(sock: socket.socket, option: int, seconds: float) -> None:
    """``SO_RCVTIMEO`` / ``SO_SNDTIMEO``: the socket stays blocking, so each read and write is one
    system call (a Python socket timeout polls before every one, and gives up the GIL twice)."""
    whole = int(seconds)
    micros = int((seconds - whole) * 1e6)
    if not whole and not micros:  # 0 would mean no timeout at all
        micros = 1
    sock.setsockopt(socket.SOL_SOCKET, option, _TIMEVAL.pack(whole, micros))


class _Answer:
    """The parser's callbacks: the parts of the answer being read on one connection."""

    __slots__ = ("body", "complete", "encoding", "head", "headers", "keep", "keep_alive", "length", "limit",
                 "over", "parser", "size", "surplus", "timing", "transfer")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        if LENIENCIES:
            self.parser.set_dangerous_leniencies(**LENIENCIES)
        self.keep = True
        self.limit = 0
        self.start()

    def start(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.head = self.complete = self.surplus = self.keep_alive = self.over = False
        self.size = 0
        self.encoding: bytes | None = None
        self.transfer: bytes | None = None
        self.timing: bytes | None = None
        self.length: int | None = None

    def on_message_begin(self) -> None:
        if self.complete:  # bytes after the answer: stop before they overwrite it (see _read)
            raise _Surplus

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.head:  # a chunked body's trailer fields: http.client reads and drops them
            return
        self.headers.append((name, value))
        size = len(name)
        if size == 13 and name.lower() == b"server-timing":
            self.timing = value if self.timing is None else self.timing + b", " + value
        elif size == 16 and name.lower() == b"content-encoding":
            self.encoding = value if self.encoding is None else self.encoding + b", " + value
        elif size == 17 and name.lower() == b"transfer-encoding":
            self.transfer = value if self.transfer is None else self.transfer + b", " + value

    def on_headers_complete(self) -> None:
        self.head = True
        self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once the message ends
        if self.transfer is not None:
            self.length = length_despite_transfer(self.headers, self.transfer)
            if self.length is not None:
                self.keep_alive = keeps_alive(self.headers, self.parser.get_http_version())

    def take_length(self) -> None:
        """Complete an answer framed by ``length`` once that many body bytes arrived: llhttp reads a
        body with a Transfer-Encoding other than chunked until the connection closes (RFC 9112 6.3),
        urllib3 reads its Content-Length, and on a keep-alive connection that wait is a timeout."""
        length, body = self.length, self.body
        if length is None or self.size < length:
            return
        if self.size > length:
            self.body = [b"".join(body)[:length]]
            self.size = length
            self.surplus = True
        self.complete = True

    def on_body(self, body: bytes) -> None:
        """Kept whole when a check reads it (up to ``limit``), else counted past its excerpt."""
        before = self.size
        self.size = before + len(body)
        if self.keep:
            self.body.append(body)
            if self.limit and self.size > self.limit:
                self.over = True
        elif before < EXCERPT_BYTES:
            self.body.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # 100 Continue, 103 Early Hints: skipped
            self.start()
        else:
            self.complete = True

    def ends_at_close(self) -> bool:
        """Whether the body runs until the server closes (no length, not chunked): EOF ends it."""
        names = {name.lower() for name, _ in self.headers}
        return self.head and not names & {b"content-length", b"transfer-encoding"}


class _Connection:
    """One keep-alive connection: a blocking socket whose reads and writes time out in the kernel,
    and which stamps what it receives with the kernel's time of arrival (when the system can)."""

    __slots__ = ("after_head", "answer", "arrived", "idle_since", "poller", "reused", "shortened", "sock",
                 "stamped", "timeout")

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        sock.settimeout(None)
        self.restore()
        self.stamped = False
        if SO_TIMESTAMPNS:
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.stamped = True
            except OSError:
                pass
        self.arrived = b""
        """The kernel's time of arrival of the last bytes read (a raw ``timespec``), or b""."""
        self.answer = _Answer()
        self.poller = select.poll()
        self.poller.register(sock, _DROPPED)
        self.reused = False
        self.shortened = False
        self.after_head = False
        self.idle_since = 0.0

    def wait_until(self, deadline: float, option: int = socket.SO_RCVTIMEO) -> None:
        """Let the next read (or write) wait only for what is left of the request's time."""
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError("timed out")
        _kernel_timeout(self.sock, option, left)
        self.shortened = True

    def restore(self) -> None:
        """The whole timeout again, after a request that shortened it."""
        _kernel_timeout(self.sock, socket.SO_RCVTIMEO, self.timeout)
        _kernel_timeout(self.sock, socket.SO_SNDTIMEO, self.timeout)
        self.shortened = False

    def send_all(self, payload: bytes, deadline: float) -> None:
        """``sendall`` within the deadline: one ``send`` for a request that fits the socket's buffer."""
        sock = self.sock
        try:
            sent = sock.send(payload)
            if sent < len(payload):
                view = memoryview(payload)
                while sent < len(view):
                    self.wait_until(deadline, socket.SO_SNDTIMEO)
                    sent += sock.send(view[sent:])
            return
        except BlockingIOError:  # SO_SNDTIMEO ran out
            pass
        raise TimeoutError("timed out")

    def receive(self, buffers: list[bytearray]) -> int:
        """One read into ``buffers[0]``, keeping the kernel's time of arrival of what it read."""
        try:
            if self.stamped:
                count, ancillary, _, _ = self.sock.recvmsg_into(buffers, _STAMP_SPACE)
                if count:  # the end of a body sent until the close comes with no stamp of its own
                    self.arrived = ancillary[0][2] if ancillary else b""
                return count
            return self.sock.recv_into(buffers[0])
        except BlockingIOError:  # SO_RCVTIMEO ran out
            pass
        raise TimeoutError("timed out")  # out of the handler: the fault is the timeout, not EAGAIN

    def arrival(self) -> float | None:
        """When the kernel received the last bytes read, ``time.time()`` seconds, or None."""
        raw = self.arrived
        if len(raw) != _TIMESPEC.size:
            return None
        seconds, nanos = _TIMESPEC.unpack(raw)
        return seconds + nanos * 1e-9

    def unread(self) -> bool:
        """Whether bytes wait to be read (a closed connection has none: its end is not a byte)."""
        try:
            return bool(self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:
            return False

    def dropped(self) -> bool:
        """Readable while idle means closed by the server (or unexpected bytes): not reusable."""
        return bool(self.poller.poll(0))

    def close(self) -> None:
        self.answer.parser = None  # type: ignore[assignment]  (breaks the parser <-> callbacks cycle)
        self.sock.close()


class _Surplus(Exception):
    """Bytes after a complete answer, as if the server had answered twice."""


class _Stale(Exception):
    """A reused connection failed before any byte of the answer: it was closed under us."""

    def __init__(self, cause: BaseException, *, unsent: bool) -> None:
        super().__init__(cause)
        self.cause = cause
        self.unsent = unsent


def _unusable(connection: _Connection, method: str, now: float) -> bool:
    """Whether an idle connection must be replaced before ``method`` is sent on it."""
    idempotent = method in IDEMPOTENT
    if connection.after_head and not idempotent:
        return True
    if idempotent and now - connection.idle_since < FRESH_S:
        return False
    return connection.dropped()


def _worth_another_try(stale: _Stale, method: str, idle: float) -> bool:
    """Whether a request that met a closed reused connection goes again on a new one.

    Unsent: the server never saw it. A clean close (FIN) before any answer byte: the server shut a
    keep-alive connection it no longer wanted, before reading ours. A reset (RST) on a connection
    that was busy: the server failed while handling it, which the measurement must show; after
    ``RETRY_AFTER_IDLE_S`` idle, it was a keep-alive timeout. Never twice for a non-idempotent
    method that may have run.
    """
    if stale.unsent:
        return True
    if method not in IDEMPOTENT:
        return False
    return isinstance(stale.cause, RemoteDisconnected | _HEAD_BODY) or idle >= RETRY_AFTER_IDLE_S


def _ended(connection: _Connection, answer: _Answer, received: int) -> None:
    """The server closed the connection: the end of a body that runs until then, else a fault."""
    if answer.ends_at_close():
        return
    if received:
        raise IncompleteRead(b"".join(answer.body))
    closed = RemoteDisconnected("Remote end closed connection without response")
    if connection.reused:
        raise _Stale(closed, unsent=False)
    raise closed


def _body_of(answer: _Answer, parts: list[bytes]) -> tuple[bytes, int]:
    """The body as the checks read it and the bytes received but not kept: whole (decoded) when a
    check reads it, else its excerpt (see ``raw_excerpt``)."""
    body = parts[0] if len(parts) == 1 else b"".join(parts)
    dropped = 0
    if not answer.keep:
        if len(body) > EXCERPT_BYTES:
            body = body[:EXCERPT_BYTES]
        dropped = answer.size - len(body) if parts else 0
    if answer.encoding is not None and body:
        body, dropped = raw_excerpt(body, dropped, answer.encoding.decode("latin-1"))
        if answer.keep and answer.limit and len(body) > answer.limit:
            raise BodyTooLarge(answer.parser.get_status_code(), answer.limit)
    return body, dropped


class FastTransport:
    """Plain sockets and llhttp for ``http://`` origins, one keep-alive connection per origin."""

    name = "httptools"

    def __init__(self, options: TransportOptions) -> None:
        if httptools is None:
            raise RuntimeError(f"httptools does not import ({IMPORT_ERROR}): use Urllib3Transport")
        self._options = options
        self._timeout = options.timeout
        self._slack = max(SLACK_S, SLACK_SHARE * options.timeout)
        self._connections: dict[str, _Connection] = {}
        self._origins: dict[str, tuple[tuple[str, int], bytes]] = {}
        self._buffer = bytearray(RECV_BYTES)
        self._view = memoryview(self._buffer)
        self._last: tuple[Prepared | None, bytes] = (None, b"")
        self._fallback: Urllib3Transport | None = None
        self._head_bodies: set[str] = set()
        """Origins seen sending a body to HEAD: their connection is closed after each HEAD."""
        self.retries = 0

    @property
    def used(self) -> str:
        """What sent this transport's requests: ``httptools``, plus ``urllib3`` for https origins."""
        return self.name if self._fallback is None else f"{self.name}+{Urllib3Transport.name}"

    def send(self, request: Prepared) -> Exchange:
        origin = request.origin
        if not origin.startswith("http://"):
            return self._delegate(request)
        try:
            payload = self._payload(request)
        except (ValueError, UnicodeError) as exc:  # a header or path http.client would refuse too
            return Exchange(0, {}, b"", 0.0, "other", describe_fault(exc))
        connection = self._connections.get(origin)
        start = time.perf_counter()
        try:
            if connection is not None and _unusable(connection, request.method, start):
                if connection.after_head and connection.unread():
                    self._head_bodies.add(origin)
                self._discard(origin)
                connection = None
            start = time.perf_counter()
            if connection is not None:
                idle = start - connection.idle_since
                try:
                    return self._exchange(request, connection, payload, start)
                except _Stale as stale:
                    if connection.after_head and isinstance(stale.cause, _HEAD_BODY):
                        self._head_bodies.add(origin)
                    if not _worth_another_try(stale, request.method, idle):
                        return self._failed(origin, stale.cause, start)
                    self.retries += 1
                    logger.debug("%s: reused connection closed before the answer (%s); sending again",
                                 origin, describe_fault(stale.cause))
            return self._exchange(request, self._connect(origin), payload, start)
        except Exception as exc:  # a target fault is a measurement, never an error
            return self._failed(origin, exc, start)

    def _failed(self, origin: str, exc: BaseException, start: float) -> Exchange:
        duration = time.perf_counter() - start
        self._discard(origin)
        return Exchange(0, {}, b"", duration, classify_fault(exc), describe_fault(exc))

    def _exchange(self, request: Prepared, connection: _Connection, payload: bytes, start: float) -> Exchange:
        origin, head_only = request.origin, request.method == "HEAD"
        answer = connection.answer
        answer.start()
        answer.keep, answer.limit = request.keep_body, request.max_body
        if connection.shortened:
            connection.restore()
        deadline = start + self._timeout
        sending = time.perf_counter()
        try:
            connection.send_all(payload, deadline)
        except _STALE_ERRORS as exc:
            if connection.reused:
                raise _Stale(exc, unsent=True) from exc
            raise
        if time.perf_counter() - start > self._slack:  # a slow connect or send: the read gets what is left
            connection.wait_until(deadline)
        self._read(connection, head_only, deadline)
        answer = connection.answer  # a new one when repeated Content-Length fields were mended
        end = connection.idle_since = time.perf_counter()
        arrived = connection.arrival()
        if arrived is not None:  # the answer's arrival, not this thread's turn after it
            late = time.time() - arrived
            if 0.0 <= late <= end - sending:
                end -= late
        status = answer.parser.get_status_code()
        parts = answer.body
        if head_only and parts:  # a body sent to HEAD (waitress does): not part of the answer
            parts = []
            self._head_bodies.add(origin)
            self._discard(origin)
        elif answer.complete and answer.keep_alive and not answer.surplus:
            connection.reused = True
            connection.after_head = False
            if answer.length is not None:  # llhttp still waits for the connection to close
                connection.answer = _Answer()
        elif head_only and answer.head and answer.keep_alive and origin not in self._head_bodies:
            connection.answer = _Answer()  # llhttp would wait for the body a HEAD answer announces
            connection.reused = connection.after_head = True
        else:
            self._discard(origin)
        try:
            body, dropped = _body_of(answer, parts)
        except Exception as exc:  # urllib3's DecodeError (a body that is not what it claims), max_body
            return Exchange(0, {}, b"", end - start, classify_fault(exc), describe_fault(exc))
        timing = answer.timing
        return Exchange(status, ResponseHeaders(answer.headers), body, end - start, discarded=dropped,
                        server_timing=timing.decode("latin-1") if timing is not None else "")

    def _read(self, connection: _Connection, head_only: bool, deadline: float) -> None:
        """Feed the parser until the answer is complete (for HEAD: until its head is).

        The timeout bounds the whole request, as documented and as k6 does: a socket timeout alone
        bounds each wait, so a body trickling a byte a second would never time out. The socket's
        timeout is cut to what is left only when an answer needs a second read (rarely)."""
        answer = connection.answer
        feed = answer.parser.feed_data
        buffer, view = self._buffer, self._view
        receive, buffers = connection.receive, [buffer]
        received = 0
        early: list[bytes] = []
        while not answer.complete:
            try:
                count = receive(buffers)
            except _STALE_ERRORS as exc:
                if connection.reused and not received:
                    raise _Stale(exc, unsent=False) from exc
                raise
            if not count:
                _ended(connection, answer, received)
                return
            received += count
            try:
                feed(view[:count])
            except (httptools.HttpParserError, _UPGRADE) as exc:
                answer = self._parse_fault(connection, exc, [*early, bytes(view[:count])], deadline)
                if answer.surplus:
                    return
                feed = answer.parser.feed_data
            if answer.over:
                raise BodyTooLarge(answer.parser.get_status_code(), answer.limit)
            if head_only and answer.head:
                return
            if not answer.complete:
                if not answer.head:
                    early.append(bytes(view[:count]))
                elif answer.length is not None:
                    answer.take_length()
                    if answer.complete:
                        return
                connection.wait_until(deadline)

    def _parse_fault(self, connection: _Connection, exc: Exception, chunks: list[bytes],
                     deadline: float) -> _Answer:
        """The answer to go on with after llhttp stopped, or the fault.

        Bytes after a complete answer, or a ``101`` (the connection now speaks another protocol):
        the answer stands, as urllib3 reads it, and the connection goes. The rest of a body sent to
        a HEAD: stale. Repeated identical ``Content-Length`` fields: read as urllib3 reads them."""
        answer = connection.answer
        if answer.complete:
            answer.surplus = True
            return answer
        if isinstance(exc, httptools.HttpParserError):
            if connection.after_head and not answer.head:
                raise _Stale(exc, unsent=False) from exc
            mended = None if answer.head else self._one_length(connection, chunks, deadline)
            if mended is not None:
                return mended
        raise exc

    def _one_length(self, connection: _Connection, chunks: list[bytes], deadline: float) -> _Answer | None:
        """The answer parsed again with its repeated, identical ``Content-Length`` fields as one
        (llhttp refuses them, urllib3 reads them), showing them as sent; None for any other fault."""
        raw = b"".join(chunks)
        while (end := final_head_end(raw)) < 0:
            if len(raw) > MAX_HEAD_BYTES:
                return None
            connection.wait_until(deadline)
            more = bytearray(RECV_BYTES)
            del more[connection.receive([more]):]
            if not more:
                return None
            raw += more
        mended = one_length(raw[:end])
        if mended is None:
            return None
        head, values = mended
        old = connection.answer
        answer = connection.answer = _Answer()
        answer.keep, answer.limit = old.keep, old.limit
        try:
            answer.parser.feed_data(head + raw[end:])
        except httptools.HttpParserError:
            if not answer.complete:
                raise
            answer.surplus = True
        for index, (name, _) in enumerate(answer.headers):
            if name == b"Content-Length":
                answer.headers[index:index + 1] = [(b"Content-Length", value) for value in values]
                break
        return answer

    def _payload(self, request: Prepared) -> bytes:
        """The request's bytes; a static request (the same ``Prepared`` again) is encoded once."""
        last, payload = self._last
        if request is last:
            return payload
        payload = encode_request(request, self._origin(request.origin)[1])
        self._last = (request, payload)
        return payload

    def _origin(self, origin: str) -> tuple[tuple[str, int], bytes]:
        known = self._origins.get(origin)
        if known is None:
            url = urlsplit(origin)
            host, port = url.hostname or "localhost", url.port or 80
            known = self._origins[origin] = ((host, port), host_header(host, port))
        return known

    def _connect(self, origin: str) -> _Connection:
        self._discard(origin)
        sock = socket.create_connection(self._origin(origin)[0], timeout=self._timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, self._timeout)
        except BaseException:
            sock.close()
            raise
        self._connections[origin] = connection
        return connection

    def _discard(self, origin: str) -> None:
        connection = self._connections.pop(origin, None)
        if connection is not None:
            connection.close()

    def _delegate(self, request: Prepared) -> Exchange:
        if self._fallback is None:
            logger.info("%s: not plain http, sent with urllib3", request.origin)
            self._fallback = Urllib3Transport(self._options)
        return self._fallback.send(request)

    def close(self) -> None:
        for origin in list(self._connections):
            self._discard(origin)
        if self._fallback is not None:
            self._fallback.close()
