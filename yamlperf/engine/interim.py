"""urllib3 connection pools that pass over every interim (1xx) answer, as the fast transport does.

``http.client`` skips ``100 Continue`` only. A ``103 Early Hints`` (sent by CDNs, and by nginx or
h2o in front of an https API) or a ``102 Processing`` became the answer, with an empty body, and
the real answer stayed on the connection to be read as the next request's: every request of an
https run failed as "status 103". Imported only where urllib3 is (it loads urllib3).
"""

from __future__ import annotations

import http.client

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_LINE = 65536
MAX_INTERIM_LINES = 100


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
