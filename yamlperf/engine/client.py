"""The convenient HTTP client for everything that is not measured: login, seeding, counting, cleanup.

``requests`` follows redirects, honours proxy settings and keeps cookies, which a login flow may
need; it is three times slower than the measured path and that does not matter here. A session is
not safe to share between threads, so each thread gets its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .http import BodyTooLarge, Exchange, Prepared, TransportOptions, classify_fault, describe_fault

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)
READ_BYTES = 256 * 1024
# requests is imported by the first session: ~100 ms of start-up (with urllib3) that a run without
# a login, seeding or cleanup never needs.


class SessionClient:
    """Sends ``Prepared`` requests with a per-thread ``requests.Session``; never raises for target faults."""

    def __init__(self, options: TransportOptions) -> None:
        self._options = options
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests
            import urllib3

            if not self._options.verify:
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            from .urllib3_io import POOLS

            session = requests.Session()
            session.verify = self._options.verify
            for adapter in session.adapters.values():
                adapter.poolmanager.pool_classes_by_scheme = POOLS  # type: ignore[attr-defined]
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, request: Prepared, *, follow: bool = True) -> Exchange:
        """``verify`` is given with each request: requests lets $REQUESTS_CA_BUNDLE override a
        session's ``verify=False``, which would ignore ``target.verify_tls: false``. A login
        follows redirects (a form login sets its cookie on a 302); see ``send_direct``."""
        import requests

        start = time.perf_counter()
        try:
            response = self._session().request(
                request.method, request.url, headers=dict(request.headers), data=request.body,
                timeout=self._options.timeout, verify=self._options.verify, allow_redirects=follow,
                stream=True)
            body = self._read(response)
        except BodyTooLarge as exc:
            return Exchange(0, {}, b"", time.perf_counter() - start, classify_fault(exc), describe_fault(exc))
        except requests.RequestException as exc:
            return Exchange(0, {}, b"", time.perf_counter() - start, classify_fault(exc), describe_fault(exc))
        headers = response.headers
        if response.history:
            headers = _with_redirect_cookies(response)
        return Exchange(response.status_code, headers, body, time.perf_counter() - start)

    def _read(self, response: requests.Response) -> bytes:
        """The whole body, up to ``max_body`` (``BodyTooLarge`` beyond, the connection dropped)."""
        limit = self._options.max_body
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(READ_BYTES):
                size += len(chunk)
                if limit and size > limit:
                    raise BodyTooLarge(response.status_code, limit)
                parts.append(chunk)
        finally:
            response.close()
        return b"".join(parts)

    def send_direct(self, request: Prepared) -> Exchange:
        """Without following a redirect, as measured requests are sent: seeding, counting and
        cleanup, where a followed 301 would turn a create into a GET and hide the path to fix."""
        return self.send(request, follow=False)

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


def _with_redirect_cookies(response: requests.Response) -> Mapping[str, str]:
    """The final answer's headers, with the ``Set-Cookie`` of the redirects that led to it: a form
    login often sets its session cookie on the ``302`` and then redirects."""
    cookies = [r.headers["Set-Cookie"] for r in (*response.history, response) if r.headers.get("Set-Cookie")]
    if not cookies:
        return response.headers
    headers = response.headers.copy()
    headers["Set-Cookie"] = ", ".join(cookies)
    return headers
