"""A scenario's request (``RequestSpec``) compiled once into something that renders a ``Prepared``.

Templates are compiled when the run starts; a request without any template is built once and
reused (per authentication token), so a static endpoint costs nothing per request here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode, urlsplit

from .. import __version__
from ..scenario import BodyKind, Pairs, RequestSpec
from ..templating import Compiled, compile_text, compile_value
from .http import Prepared

USER_AGENT = f"yamlperf/{__version__}"
_CONTENT_TYPES = {BodyKind.JSON: "application/json", BodyKind.FORM: "application/x-www-form-urlencoded"}
NO_CONTEXT: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AuthHeaders:
    """The headers that authenticate requests, and a version that changes when they are renewed."""

    version: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)


class RequestTemplate:
    """Renders one ``RequestSpec`` against ``target.base_url`` and ``target.headers``."""

    def __init__(self, spec: RequestSpec, base_url: str, base_headers: Pairs = ()) -> None:
        self.method = spec.method
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
        if self._query:
            query = urlencode([(str(k.render(context)), str(v.render(context))) for k, v in self._query])
            target = f"{target}{'&' if '?' in target else '?'}{query}"
        headers = {"User-Agent": USER_AGENT}
        headers.update((str(k.render(context)), str(v.render(context))) for k, v in self._headers)
        headers.update(auth_headers)
        body = self._render_body(context)
        if body is not None and self._content_type:
            headers["Content-Type"] = self._content_type
        return Prepared(self.method, origin, target, headers, body)

    def _locate(self, path: str) -> tuple[str, str]:
        url = urlsplit(path) if path.startswith(("http://", "https://")) else None
        if url is not None:
            return f"{url.scheme}://{url.netloc}", (url.path or "/") + (f"?{url.query}" if url.query else "")
        base = self._base
        prefix = base.path.rstrip("/")
        return f"{base.scheme}://{base.netloc}", f"{prefix}{'' if path.startswith('/') else '/'}{path}"

    def _render_body(self, context: Mapping[str, Any]) -> bytes | None:
        if self._body is None:
            return None
        value = self._body.render(context)
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
