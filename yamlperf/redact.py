"""The one place that masks secrets, used by everything that writes or prints.

Two nets: keys whose names say "secret" (password, token, Authorization...) are masked wherever
they appear in a structure, and the actual secret values met at run time (a rendered password, a
token from a login) are registered and scrubbed from any text, such as ``--debug`` output.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[-_]?key|auth(orization)?$|cookie|credential|session[-_]?id"
    r"|private[-_]?key|signature",
    re.IGNORECASE,
)
_NOT_SECRET_KEYS = frozenset({"token_path", "auth", "type", "header", "scheme", "relogin_on", "login",
                              "max_tokens", "tokens"})
_MIN_SECRET_LENGTH = 4
_REFERENCE = re.compile(r"\s*\{\{\s*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\s*\}\}\s*")


def is_secret_key(key: str) -> bool:
    return key.lower() not in _NOT_SECRET_KEYS and bool(_SECRET_KEY.search(key))


_TOKEN_KEY = re.compile(r"token|refresh|access|jwt|bearer|session|nonce|otp|secret|key$", re.IGNORECASE)
_JWT = re.compile(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$")
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_.~-]{20,}$")
_IDENTIFIER_KEY = re.compile(r"^(id|uuid|guid|pk)$|_id$|[a-z]Id$")
_NOT_TOKEN_VALUES = frozenset({"bearer", "jwt", "basic", "token", "access"})


def looks_like_token(key: str, value: Any) -> bool:
    """A value of a login answer (or captured from one) that may grant access: under a key that says
    so (``access``, ``refresh``, ``id_token``, ``session``...), or shaped like a JWT or a long opaque
    credential under any key but a record's id. ``token_type: bearer`` and short flags are not."""
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH or value.lower() in _NOT_TOKEN_VALUES:
        return False
    if is_secret_key(key) or _TOKEN_KEY.search(key):
        return True
    if any(c.isspace() for c in value) or _IDENTIFIER_KEY.search(key):
        return False
    return bool(_JWT.match(value)) or (bool(_OPAQUE.match(value)) and any(c.isdigit() for c in value)
                                       and any(c.isalpha() for c in value))


def token_values(data: Any, key: str = "") -> list[str]:
    """Every token-like string in a JSON value (``looks_like_token``), at any depth."""
    if isinstance(data, Mapping):
        return [found for k, v in data.items() for found in token_values(v, str(k))]
    if isinstance(data, list):
        return [found for item in data for found in token_values(item, key)]
    return [data] if looks_like_token(key, data) else []


class SecretRegistry:
    """Secret values seen during a run; ``scrub`` replaces each occurrence in a text by ``***``."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str | None) -> None:
        if not value or len(value) < _MIN_SECRET_LENGTH or value in self._values:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern else text

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def values(self) -> tuple[str, ...]:
        """The secrets seen so far (handed to worker processes, which mask them in their logs)."""
        with self._lock:
            return tuple(self._values)

    def __len__(self) -> int:
        return len(self._values)


def redact(value: Any, secrets: SecretRegistry | None = None) -> Any:
    """A copy of ``value`` with secret-named keys masked and known secret values scrubbed.

    A template such as ``{{ env.API_TOKEN }}`` is not a secret itself and is kept, so the
    results show where a secret came from without showing it.
    """
    if isinstance(value, Mapping):
        return {k: _redact_entry(str(k), v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str) and secrets is not None:
        return secrets.scrub(value)
    return value


def _redact_entry(key: str, value: Any, secrets: SecretRegistry | None) -> Any:
    if is_secret_key(key) and isinstance(value, str | int | float) and not isinstance(value, bool):
        return value if _is_reference(value) else MASK
    return redact(value, secrets)


def _is_reference(value: Any) -> bool:
    """A bare reference like ``{{ env.API_TOKEN }}`` or ``{{ password }}`` carries no secret.

    Anything more (a ``default('...')`` with a literal, text around it) may hold one and is masked.
    """
    return isinstance(value, str) and bool(_REFERENCE.fullmatch(value))


def redact_headers(headers: Mapping[str, str], secrets: SecretRegistry | None = None) -> dict[str, str]:
    scrub = secrets.scrub if secrets else str
    return {k: (MASK if is_secret_key(k) else scrub(v)) for k, v in headers.items()}


_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@")


def mask_url_passwords(text: str) -> str:
    """``http://user:pw@host`` -> ``http://user:***@host`` wherever a message quotes a URL back
    (an error about that very URL repeats the file's line or the flag as typed)."""
    return _URL_PASSWORD.sub(rf"\1{MASK}@", text)
