"""Plain request and response values passed between the HTTP layer and the app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Request:
    """A parsed HTTP request; header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class Response:
    """A complete HTTP response; ``body`` is already encoded."""

    status: int
    body: bytes = b""
    headers: Headers = ()


class HttpError(Exception):
    """An error answer: raised by handlers, turned into a JSON ``{"error": ...}`` response."""

    def __init__(self, status: int, message: str, headers: Headers = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def json_response(status: int, payload: Any, headers: Headers = ()) -> Response:
    """A JSON response (``payload`` None with status 204 gives an empty body)."""
    if status == 204:
        return Response(status=status, headers=headers)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, (("Content-Type", "application/json"), *headers))


def error_response(error: HttpError) -> Response:
    """The JSON answer for an HttpError."""
    return json_response(error.status, {"error": error.message}, error.headers)


def with_timing(response: Response, db_seconds: float, app_seconds: float, queries: int) -> Response:
    """``response`` plus ``Server-Timing`` (db and whole-app milliseconds) and ``X-DB-Queries``."""
    timing = f'db;dur={db_seconds * 1000.0:.3f};desc="database", app;dur={app_seconds * 1000.0:.3f}'
    extra = (("Server-Timing", timing), ("X-DB-Queries", str(queries)))
    return replace(response, headers=response.headers + extra)
