"""Judging an answer: expectations -> a failure category, and captures -> variables.

Nothing here parses the body unless an expectation or a capture needs it: most endpoints only
check the status, and that must stay cheap on the hot path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..redact import looks_like_token
from ..scenario import Capture, Expectation
from ..templating import Compiled, compile_text, compile_value
from .http import Exchange

logger = logging.getLogger(__name__)
_MISSING = object()


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (``items.0.id``); ``LookupError`` when it is not there."""
    value = data
    for part in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            value = value[int(part)]
        else:
            raise KeyError(part)
    return value


def dig_all(data: Any, path: str) -> list[Any]:
    """Every value at a dotted path where ``*`` stands for each item of a list (or value of a
    mapping): ``results.*.id`` -> the ids of a page of records; missing branches are skipped."""
    found = [data]
    for part in path.split(".") if path else ():
        step: list[Any] = []
        for value in found:
            if part == "*":
                items = value.values() if isinstance(value, Mapping) else ()
                step.extend(value if isinstance(value, list) else items)
            else:
                try:
                    step.append(dig(value, part))
                except (LookupError, TypeError):
                    continue
        found = step
    return found


def parse_json(body: bytes) -> Any:
    """The JSON answer, or ``_MISSING`` when the body is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def redirect_note(exchange: Exchange) -> str:
    """Why a 3xx failed, the same for measured requests and for seeding, counting and cleanup:
    yamlperf never follows a redirect (unlike k6, Locust and browsers), so what is sent and timed is
    one exchange, and a create is not turned into a GET by a 301; the fix is to request where it
    points. The query is left out: it may carry a one-time code, and the reason is shown in the report."""
    if not 300 <= exchange.status < 400:
        return ""
    location = exchange.headers.get("location")
    if not location:
        return ""
    where = location.split("#", 1)[0].split("?", 1)[0][:120]
    return f" (a redirect to {where}, not followed: yamlperf never follows redirects; use that path)"


EXCERPT_CHARS = 160


def client_error_note(exchange: Exchange, scrub: Callable[[str], str] = str) -> str:
    """What a 4xx answer says, for the failure's message: the methods a ``405`` allows, then the
    start of its body on one line (``{"detail": "Method \"GET\" not allowed."}``), secrets masked.
    A client error is the plan's to fix, and the answer usually names the fix."""
    allowed = exchange.headers.get("allow") if exchange.status == 405 else None
    said = f" (the server allows {allowed})" if allowed else ""
    text = " ".join(exchange.body[:EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
    if text:
        said += f": {scrub(text[:EXCERPT_CHARS])}{'...' if len(text) > EXCERPT_CHARS else ''}"
    return said


class Checker:
    """An endpoint's expectations and captures, compiled once."""

    def __init__(self, expect: Expectation, captures: tuple[Capture, ...] = (),
                 scrub: Callable[[str], str] = str) -> None:
        self._scrub = scrub
        """Masks the run's secrets in what an error quotes of an answer."""
        self._status = expect.status
        self._json = [(path, compile_value(value)) for path, value in expect.json]
        self._contains = compile_text(expect.contains) if expect.contains is not None else None
        self._not_contains = compile_text(expect.not_contains) if expect.not_contains is not None else None
        self._needles = (_Needle(self._contains), _Needle(self._not_contains))
        self._headers = expect.headers
        self._captures = captures
        self._reads_json = bool(self._json) or any(c.source == "json" for c in captures)
        self._status_only = not (self._json or self._contains or self._not_contains or self._headers)
        compiled = [v for _, v in self._json] + [c for c in (self._contains, self._not_contains) if c]
        self.needs_context = any(not c.static for c in compiled)
        self.captures = bool(captures)
        self.reads_body = self._reads_json or self._contains is not None or self._not_contains is not None
        """Whether anything here reads the answer's body: if not, it is streamed and dropped."""

    def judge(self, exchange: Exchange, context: Mapping[str, Any]) -> tuple[str, str]:
        """``("ok", "")`` or the failure category and a short reason."""
        if exchange.fault:
            return exchange.fault, exchange.error
        status = exchange.status
        if not self._status.accepts(status):
            kind = status // 100
            category = "http_4xx" if kind == 4 else "http_5xx" if kind == 5 else "expectation_failed"
            said = client_error_note(exchange, self._scrub) if kind == 4 else redirect_note(exchange)
            return category, f"status {status}, expected {self._status.describe()}{said}"
        if self._status_only:
            return "ok", ""
        return self._judge_content(exchange, context)

    def _judge_content(self, exchange: Exchange, context: Mapping[str, Any]) -> tuple[str, str]:
        for name, wanted in self._headers:
            got = exchange.headers.get(name)
            if got is None or wanted not in ("*", got):
                return "expectation_failed", f"header {name}: expected {wanted!r}, got {got!r}"
        contains, not_contains = self._needles
        if contains and contains.find(exchange.body, context) < 0:
            return "expectation_failed", f"body does not contain {contains.text(context)!r}"
        if not_contains and not_contains.find(exchange.body, context) >= 0:
            return "expectation_failed", f"body contains {not_contains.text(context)!r}"
        if self._json:
            data = parse_json(exchange.body)
            if data is _MISSING:
                return "bad_body", "the answer is not JSON"
            for path, compiled in self._json:
                wanted = compiled.render(context)
                got = _value_at(data, path)
                if got is _MISSING or got != wanted:
                    shown = "nothing" if got is _MISSING else repr(got)[:80]
                    return "expectation_failed", f"json {path}: expected {wanted!r}, got {shown}"
        return "ok", ""

    def capture(self, exchange: Exchange) -> dict[str, Any]:
        """The captured values of a successful answer; a value that is not there is left out."""
        data: Any = parse_json(exchange.body) if self._reads_json else _MISSING
        found: dict[str, Any] = {}
        for capture in self._captures:
            if capture.source == "header":
                value = exchange.headers.get(capture.expression, _MISSING)
            else:
                value = _MISSING if data is _MISSING else _value_at(data, capture.expression)
            if value is _MISSING:
                logger.debug("capture %s: %s %r not in the answer", capture.name, capture.source,
                             capture.expression)
            else:
                found[capture.name] = value
        return found


    def tokens(self, found: Mapping[str, Any]) -> list[str]:
        """The captured values that are secrets: token-like by the capture's name, the field it was
        read from, or their shape (``redact.looks_like_token``)."""
        sources = {c.name: c.expression.rsplit(".", 1)[-1] for c in self._captures}
        return [value for name, value in found.items()
                if looks_like_token(name, value) or looks_like_token(sources.get(name, ""), value)]


class _Needle:
    """A ``contains``/``not_contains`` text, searched in the body's bytes: encoded once when it has no
    template, so a check never decodes the whole answer."""

    def __init__(self, compiled: Compiled | None) -> None:
        self._compiled = compiled
        self._bytes = str(compiled.render({})).encode("utf-8") if compiled is not None and compiled.static \
            else None

    def __bool__(self) -> bool:
        return self._compiled is not None

    def text(self, context: Mapping[str, Any]) -> str:
        return str(self._compiled.render(context)) if self._compiled is not None else ""

    def find(self, body: bytes, context: Mapping[str, Any]) -> int:
        needle = self._bytes if self._bytes is not None else self.text(context).encode("utf-8")
        return body.find(needle)


def _value_at(data: Any, path: str) -> Any:
    try:
        return dig(data, path)
    except (LookupError, TypeError):
        return _MISSING
