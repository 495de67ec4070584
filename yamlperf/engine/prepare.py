"""A scenario's request (``RequestSpec``) compiled once into something that renders a ``Prepared``.

Templates are compiled when the run starts; a request without any template is built once and
reused (per authentication token), so a static endpoint costs nothing per request here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode, urlsplit

from .. import __version__
from ..redact import SecretRegistry, is_secret_key
from ..scenario import BodyKind, Pairs, RequestSpec
from ..templating import Compiled, compile_text, compile_value
from ..urls import is_http_url
from .http import Prepared

logger = logging.getLogger(__name__)
USER_AGENT = f"yamlperf/{__version__}"
MAX_REGISTERED = 256
_CONTENT_TYPES = {BodyKind.JSON: "application/json", BodyKind.FORM: "application/x-www-form-urlencoded"}
NO_CONTEXT: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AuthHeaders:
    """The headers that authenticate requests, and a version that changes when they are renewed."""

    version: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)


class RequestTemplate:
    """Renders one ``RequestSpec`` against ``target.base_url`` and ``target.headers``."""

    def __init__(self, spec: RequestSpec, base_url: str, base_headers: Pairs = (),
                 secrets: SecretRegistry | None = None, *, keep_body: bool = True, max_body: int = 0) -> None:
        self.method = spec.method
        self._keep_body = keep_body
        self._max_body = max_body
        self.spec_path = spec.path
        self._base = urlsplit(base_url)
        self._path = compile_text(spec.path)
        self._query = [(compile_text(k), compile_text(v)) for k, v in spec.query]
        merged = {k.lower(): (k, v) for k, v in (*base_headers, *spec.headers)}
        self._headers = [(compile_text(k), compile_text(v)) for k, v in merged.values()]
        content_type = _CONTENT_TYPES.get(spec.body_kind)
        self._content_type = content_type if content_type and "content-type" not in merged else None
        self._body_kind = spec.body_kind
        self._body = _compile_body(spec)
        parts: list[Compiled] = [self._path, *(p for pair in self._query for p in pair),
                                 *(p for pair in self._headers for p in pair)]
        if self._body is not None:
            parts.append(self._body)
        self.static = all(p.static for p in parts)
        self._cached: tuple[int, Prepared] | None = None
        self._secret_query = frozenset(i for i, (k, _) in enumerate(spec.query) if is_secret_key(k))
        self._secret_headers = frozenset(i for i, (k, _) in enumerate(merged.values()) if is_secret_key(k))
        self._secret_body = _secret_paths(spec)
        watched = self._secret_query or self._secret_headers or self._secret_body
        self._secrets = secrets if watched else None
        self._registered = 0

    def prepare(self, context: Mapping[str, Any], auth: AuthHeaders = AuthHeaders()) -> Prepared:
        """The request for one context; for a static request the same object every time."""
        if not self.static:
            return self.render(context, auth.headers)
        cached = self._cached
        if cached is not None and cached[0] == auth.version:
            return cached[1]
        prepared = self.render(NO_CONTEXT, auth.headers)
        self._cached = (auth.version, prepared)
        return prepared

    def render(self, context: Mapping[str, Any], auth_headers: Mapping[str, str]) -> Prepared:
        """Render every template (raises ``TemplateError``)."""
        origin, target = self._locate(str(self._path.render(context)))
        query = [(str(k.render(context)), str(v.render(context))) for k, v in self._query]
        if query:
            target = f"{target}{'&' if '?' in target else '?'}{urlencode(query)}"
        headers = {"User-Agent": USER_AGENT}
        pairs = [(str(k.render(context)), str(v.render(context))) for k, v in self._headers]
        headers.update(pairs)
        headers.update(auth_headers)
        value = self._body.render(context) if self._body is not None else None
        body = self._encode_body(value)
        if body is not None and self._content_type:
            headers["Content-Type"] = self._content_type
        if self._secrets is not None:
            self._register(query, pairs, value)
        return Prepared(self.method, origin, target, headers, body, self._keep_body, self._max_body)

    def _register(self, query: list[tuple[str, str]], headers: list[tuple[str, str]], body: Any) -> None:
        """Add the rendered values of secret-named query parameters, headers and body keys to the
        run's secrets, so ``--debug`` and every log line scrub them; a value that changes with every
        request (a signature, a nonce) stops being added after ``MAX_REGISTERED`` of them."""
        secrets = self._secrets
        if secrets is None:
            return
        before = len(secrets)
        for index in self._secret_query:
            secrets.add(query[index][1])
        for index in self._secret_headers:
            secrets.add(headers[index][1])
        for path in self._secret_body:
            _add_leaves(secrets, _at(body, path))
        self._registered += len(secrets) - before
        if self._registered >= MAX_REGISTERED:
            logger.warning("%s %s renders a new secret value on each request: only the first %d are "
                           "scrubbed from the output", self.method, self.spec_path, self._registered)
            self._secrets = None

    def _locate(self, path: str) -> tuple[str, str]:
        url = urlsplit(path) if is_http_url(path) else None
        if url is not None:
            return f"{url.scheme}://{url.netloc}", (url.path or "/") + (f"?{url.query}" if url.query else "")
        base = self._base
        prefix = base.path.rstrip("/")
        return f"{base.scheme}://{base.netloc}", f"{prefix}{'' if path.startswith('/') else '/'}{path}"

    def _encode_body(self, value: Any) -> bytes | None:
        if self._body is None:
            return None
        if self._body_kind is BodyKind.JSON:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if self._body_kind is BodyKind.FORM:
            return urlencode([(str(k), str(v)) for k, v in value]).encode("ascii")
        return str(value).encode("utf-8")


def _compile_body(spec: RequestSpec) -> Compiled | None:
    if spec.body_kind is BodyKind.NONE:
        return None
    if spec.body_kind is BodyKind.RAW:
        return compile_text(str(spec.body))
    if spec.body_kind is BodyKind.FORM:
        return compile_value([list(pair) for pair in spec.body])
    return compile_value(spec.body)


def _secret_paths(spec: RequestSpec) -> tuple[tuple[int | str, ...], ...]:
    """Where the body holds values under secret-named keys: JSON keys at any depth, form fields."""
    if spec.body_kind is BodyKind.FORM:
        return tuple((i, 1) for i, (k, _) in enumerate(spec.body) if is_secret_key(str(k)))
    if spec.body_kind is not BodyKind.JSON:
        return ()
    found: list[tuple[int | str, ...]] = []

    def walk(value: Any, path: tuple[int | str, ...]) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if is_secret_key(str(key)):
                    found.append((*path, key))
                else:
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(spec.body, ())
    return tuple(found)


def _at(value: Any, path: tuple[int | str, ...]) -> Any:
    for part in path:
        try:
            value = value[part]
        except (LookupError, TypeError):
            return None
    return value


def _add_leaves(secrets: SecretRegistry, value: Any) -> None:
    if isinstance(value, Mapping):
        for item in value.values():
            _add_leaves(secrets, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _add_leaves(secrets, item)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        secrets.add(str(value))

