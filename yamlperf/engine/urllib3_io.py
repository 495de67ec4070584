"""What urllib3 needs to answer as the fast transport does: pools that pass over every interim
(1xx) answer, and a body read within what is left of the request's time.

``http.client`` skips ``100 Continue`` only. A ``103 Early Hints`` (sent by CDNs, and by nginx or
h2o in front of an https API) or a ``102 Processing`` became the answer, with an empty body, and
the real answer stayed on the connection to be read as the next request's: every request of an
https run failed as "status 103". Imported only where urllib3 is (it loads urllib3).
"""

from __future__ import annotations

import http.client
import time

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse

from .http import EXCERPT_BYTES, BodyTooLarge, raw_excerpt

MAX_LINE = 65536
MAX_INTERIM_LINES = 100
READ_BYTES = 256 * 1024


class FinalResponse(http.client.HTTPResponse):
    """The first answer that is not interim; ``100`` is left to ``begin`` (which skips it) and
    ``101 Switching Protocols`` ends HTTP on the connection, so it is the answer."""

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()
            if not 102 <= status < 200:
                return version, status, reason
            for _ in range(MAX_INTERIM_LINES):
                if self.fp.readline(MAX_LINE + 1) in (b"\r\n", b"\n", b""):
                    break
            else:
                raise http.client.HTTPException(f"more than {MAX_INTERIM_LINES} headers in a {status} answer")


class _HttpConnection(HTTPConnection):
    response_class = FinalResponse


class _HttpsConnection(HTTPSConnection):
    response_class = FinalResponse


class HttpPool(HTTPConnectionPool):
    ConnectionCls = _HttpConnection


class HttpsPool(HTTPSConnectionPool):
    ConnectionCls = _HttpsConnection


POOLS: dict[str, type[HTTPConnectionPool]] = {"http": HttpPool, "https": HttpsPool}
"""For ``PoolManager.pool_classes_by_scheme`` and for picking a pool by a URL's scheme."""


def read_within(response: BaseHTTPResponse, deadline: float, timeout: float, keep_body: bool = True,
                max_body: int = 0) -> tuple[bytes, int]:
    """The body (decoded) and the bytes received but not kept, or ``TimeoutError`` at ``deadline``.

    urllib3's read timeout bounds each wait for bytes: a body trickling in, or an endless stream
    (server-sent events), kept the request, and with it the run, going for as long as it lasted.
    Each ``read1`` waits once, for no longer than what is left. A body no check reads
    (``keep_body`` false) is read as it comes, raw, its first ``EXCERPT_BYTES`` kept (and decoded
    when that is all of it, as the fast transport does) and the rest counted; one that is kept may
    be ``max_body`` long (``BodyTooLarge`` beyond). The connection is closed on any failure and
    after a ``101 Switching Protocols`` (the pool opens another), and given back whole otherwise.
    """
    connection = getattr(response, "connection", None)
    sock = getattr(connection, "sock", None)
    body = _Body(keep_body, max_body, response.status)
    try:
        if not hasattr(response, "read1"):  # urllib3 before 2.3: each wait bounded, the whole after
            body.take(response.read(decode_content=keep_body))
            if time.perf_counter() > deadline:
                raise TimeoutError("timed out")
        else:
            while chunk := response.read1(READ_BYTES, decode_content=keep_body):
                body.take(chunk)
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("timed out")
                if sock is not None:
                    sock.settimeout(left)
    except BaseException:
        response.close()
        raise
    if response.status == 101 and connection is not None:  # it speaks another protocol now
        connection.close()
    if sock is not None and sock.fileno() >= 0:
        sock.settimeout(timeout)
    response.release_conn()
    whole = body.parts[0] if len(body.parts) == 1 else b"".join(body.parts)
    if not keep_body:
        return raw_excerpt(whole, body.dropped, str(response.headers.get("Content-Encoding") or ""))
    return whole, 0


class _Body:
    """The parts of a body being read: all of it (up to ``max_body``) or its excerpt and a count."""

    __slots__ = ("dropped", "keep", "kept", "limit", "parts", "status")

    def __init__(self, keep: bool, limit: int, status: int) -> None:
        self.keep, self.limit, self.status = keep, limit, status
        self.parts: list[bytes] = []
        self.kept = self.dropped = 0

    def take(self, chunk: bytes) -> None:
        if self.keep:
            self.kept += len(chunk)
            if self.limit and self.kept > self.limit:
                raise BodyTooLarge(self.status, self.limit)
            self.parts.append(chunk)
            return
        room = max(0, EXCERPT_BYTES - self.kept)
        if room:
            self.parts.append(chunk[:room])
            self.kept += min(room, len(chunk))
        self.dropped += max(0, len(chunk) - room)
