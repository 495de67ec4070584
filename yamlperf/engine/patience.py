"""Waiting out a rate limit on the requests that are not measured: login, seeding, counting, cleanup.

A real API often limits writes (``429 Too Many Requests``, or ``503`` with ``Retry-After``). The
measured cells count such answers as failures, which is what they are under load; but a create
refused that way would leave the dataset short of its size, and a refused delete would leave
records behind, so these requests wait as the server asks and are sent again, a bounded number of
times, and give up at once when the run is stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

from .http import Exchange, Prepared

logger = logging.getLogger(__name__)
RETRIES = 5
MAX_WAIT_S = 30.0
FIRST_BACKOFF_S = 0.5


class Patient:
    """A send function that sends again after a ``429`` (or a ``503`` that says ``Retry-After``),
    waiting the ``Retry-After`` the server gave (at most ``MAX_WAIT_S``), else 0.5 s, 1 s, 2 s...

    ``stop`` ends the waiting at once (Ctrl-C while seeding); the last answer is returned as is.
    """

    def __init__(self, send: Callable[[Prepared], Exchange], stop: threading.Event | None = None,
                 retries: int = RETRIES) -> None:
        self._send = send
        self._stop = stop
        self._retries = retries
        self.waits = 0

    def __call__(self, request: Prepared) -> Exchange:
        exchange = self._send(request)
        for attempt in range(self._retries):
            delay = retry_delay(exchange, attempt)
            if delay is None or (self._stop is not None and self._stop.is_set()):
                return exchange
            self.waits += 1
            logger.info("%s %s answered %d: sending it again in %.1fs", request.method, request.target,
                        exchange.status, delay)
            if self._stop is not None:
                if self._stop.wait(delay):
                    return exchange
            else:
                time.sleep(delay)
            exchange = self._send(request)
        return exchange


def retry_delay(exchange: Exchange, attempt: int) -> float | None:
    """How long to wait before sending again, or ``None`` when the answer is not a rate limit."""
    if exchange.fault or exchange.status not in (429, 503):
        return None
    given = _retry_after(exchange.headers)
    if given is None:
        return None if exchange.status == 503 else min(FIRST_BACKOFF_S * 2 ** attempt, MAX_WAIT_S)
    return min(max(given, 0.0), MAX_WAIT_S)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date; ``None`` when absent or unreadable."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
