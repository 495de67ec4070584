"""http(s) URLs as users write them: the scheme is case-insensitive (RFC 3986 3.1), so `HTTP://host`
is a URL like any other, while the transports and proxy rules compare schemes in lower case."""

from __future__ import annotations

_SCHEMES = ("http://", "https://")


def is_http_url(text: str) -> bool:
    """Whether ``text`` is an absolute http or https URL, whatever the case of its scheme."""
    return text[:8].lower().startswith(_SCHEMES)


def canonical_url(text: str) -> str:
    """``text`` with an http(s) scheme in lower case; anything else (a path, a template) as given."""
    if not is_http_url(text):
        return text
    scheme, sep, rest = text.partition("://")
    return f"{scheme.lower()}{sep}{rest}"
