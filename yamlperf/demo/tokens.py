"""HS256 JSON Web Tokens built by hand on hmac + base64url (the RFC 7519 subset the demo needs).

The claims are ``sub`` (user name), ``iat`` and ``exp``: real epoch seconds, so a client can read
``exp`` and log in again before it passes. They carry millisecond precision (RFC 7519 allows a
non-integer NumericDate) so that a token lives exactly ``ttl`` seconds, not up to one second more
or less, which keeps short expiry tests exact.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class TokenError(Exception):
    """The token is malformed, wrongly signed or expired; the message says which."""


@dataclass(frozen=True)
class Claims:
    """The verified content of a token."""

    sub: str
    iat: float
    exp: float


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        padded = text.encode("ascii") + b"=" * (-len(text) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise TokenError("token is not base64url") from exc


def _json_segment(text: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url_decode(text))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TokenError("token segment is not JSON") from exc
    if not isinstance(value, dict):
        raise TokenError("token segment is not a JSON object")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class TokenSigner:
    """Issues and verifies HS256 tokens with one secret and one lifetime."""

    def __init__(self, secret: bytes, ttl: float, clock: Callable[[], float] = time.time) -> None:
        if ttl <= 0:
            raise ValueError("token ttl must be positive")
        self._secret = secret
        self.ttl = ttl
        self._clock = clock

    def _sign(self, signing_input: bytes) -> str:
        digest = hmac.new(self._secret, signing_input, hashlib.sha256).digest()
        return _b64url_encode(digest)

    def issue(self, subject: str) -> str:
        """A signed token for ``subject`` that expires ``ttl`` seconds from now."""
        now = self._clock()
        payload = {"sub": subject, "iat": round(now, 3), "exp": round(now + self.ttl, 3)}
        header_part = _b64url_encode(json.dumps(_HEADER, separators=(",", ":")).encode())
        payload_part = _b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = f"{header_part}.{payload_part}"
        return f"{signing_input}.{self._sign(signing_input.encode('ascii'))}"

    def verify(self, token: str) -> Claims:
        """The claims of a well-formed, correctly signed, unexpired token; else TokenError."""
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("token must have three dot-separated parts")
        header_part, payload_part, signature = parts
        try:
            signing_input = f"{header_part}.{payload_part}".encode("ascii")
        except UnicodeEncodeError as exc:
            raise TokenError("token is not ASCII") from exc
        if not hmac.compare_digest(self._sign(signing_input).encode(), signature.encode()):
            raise TokenError("bad token signature")
        if _json_segment(header_part).get("alg") != "HS256":
            raise TokenError("token algorithm must be HS256")
        payload = _json_segment(payload_part)
        sub, iat, exp = payload.get("sub"), payload.get("iat"), payload.get("exp")
        if not isinstance(sub, str) or not _is_number(iat) or not _is_number(exp):
            raise TokenError("token lacks sub, iat or exp")
        if self._clock() >= exp:
            raise TokenError("token expired")
        return Claims(sub=sub, iat=float(iat), exp=float(exp))
