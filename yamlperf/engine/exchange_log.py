"""``--debug``: each request as it was sent and its answer, secrets masked, bodies cut short.

Measured requests are logged by the cell (with the request object that was actually sent, not a
second rendering); seeding, counting, cleanup and login go through ``LoggedSend``. Secrets are
masked twice: by name (secret-named headers, query parameters and JSON keys) and by value (every
value in the run's ``SecretRegistry``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..redact import MASK, SecretRegistry, is_secret_key, redact, redact_headers
from .http import Exchange, Prepared

logger = logging.getLogger("yamlperf.engine.exchange")
BODY_LIMIT = 1000
"""Characters of a request or answer body shown; the rest is counted, not printed."""
_JSON_LIMIT = 65536


def log_exchange(request: Prepared, exchange: Exchange, label: str, secrets: SecretRegistry) -> None:
    """One request and its answer at DEBUG; ``label`` is the outcome category or what it was for."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    sent = (f"{request.method} {_masked_url(request.url)} "
            f"headers={redact_headers(dict(request.headers), secrets)} "
            f"body={_body(request.body or b'', secrets)}")
    answer = (f"{exchange.status or exchange.fault} in {exchange.duration * 1e3:.2f} ms [{label}] "
              f"headers={redact_headers(dict(exchange.headers), secrets)} "
              f"body={_body(exchange.body, secrets)}")
    if exchange.error:
        answer += f" error={exchange.error}"
    logger.debug("%s", secrets.scrub(f"{sent} -> {answer}"))


class LoggedSend:
    """A send function that logs every exchange under ``--debug`` as ``label`` (create, delete...)."""

    def __init__(self, send: Callable[[Prepared], Exchange], label: str,
                 secrets: SecretRegistry | None) -> None:
        self._send = send
        self._label = label
        self._secrets = secrets if secrets is not None else SecretRegistry()

    def __call__(self, request: Prepared) -> Exchange:
        exchange = self._send(request)
        log_exchange(request, exchange, self._label, self._secrets)
        return exchange


def _masked_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(is_secret_key(k) for k, _ in pairs):
        return url
    query = urlencode([(k, MASK if is_secret_key(k) else v) for k, v in pairs], safe="*")
    return parts._replace(query=query).geturl()


def _body(body: bytes, secrets: SecretRegistry) -> str:
    """The body as text, JSON with secret-named keys masked, cut at ``BODY_LIMIT`` characters."""
    if not body:
        return "''"
    text = None
    if len(body) <= _JSON_LIMIT and body[:1] in (b"{", b"["):
        try:
            text = json.dumps(redact(json.loads(body), secrets), ensure_ascii=False)
        except (ValueError, UnicodeDecodeError):
            text = None
    if text is None:
        text = body[: BODY_LIMIT * 4].decode("utf-8", "replace")
    shown = repr(text[:BODY_LIMIT])
    whole = len(text) <= BODY_LIMIT and len(body) <= BODY_LIMIT * 4
    return shown if whole else f"{shown}... ({len(body)} bytes)"
