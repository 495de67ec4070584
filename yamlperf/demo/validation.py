"""Turning request bodies and query strings into checked values, or 400/422 errors.

Malformed JSON is a 400 (the client sent something unreadable); readable JSON with missing or
wrongly typed fields is a 422 (understood, but not acceptable).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from yamlperf.demo.messages import HttpError, Request
from yamlperf.demo.prompts import PromptFields

MAX_TEXT = 100_000
MAX_TAGS = 50


def json_body(request: Request) -> Any:
    """The request body parsed as JSON; 400 when it is empty or not JSON."""
    if not request.body.strip():
        raise HttpError(400, "request body must be JSON; it is empty")
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpError(400, f"request body is not valid JSON: {exc}") from exc


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 if not JSON, 422 if not an object."""
    payload = json_body(request)
    if not isinstance(payload, dict):
        raise HttpError(422, "request body must be a JSON object")
    return payload


def credentials(request: Request) -> tuple[str, str]:
    """User name and password from a JSON body or an HTML form body."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        payload: dict[str, Any] = {key: values[-1] for key, values in form.items()}
    else:
        payload = json_object(request)
    username, password = payload.get("username"), payload.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise HttpError(422, "username and password must be strings")
    return username, password


def _text(payload: dict[str, Any], name: str, required: bool) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise HttpError(422, f"field '{name}' is required")
        return None
    if not isinstance(value, str):
        raise HttpError(422, f"field '{name}' must be a string")
    if required and not value.strip():
        raise HttpError(422, f"field '{name}' must not be empty")
    if len(value) > MAX_TEXT:
        raise HttpError(422, f"field '{name}' is longer than {MAX_TEXT} characters")
    return value


def _tags(payload: dict[str, Any]) -> tuple[str, ...] | None:
    value = payload.get("tags")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise HttpError(422, "field 'tags' must be a list of strings")
    if len(value) > MAX_TAGS:
        raise HttpError(422, f"field 'tags' holds more than {MAX_TAGS} tags")
    return tuple(value)


def prompt_fields(payload: dict[str, Any], partial: bool) -> PromptFields:
    """The prompt fields of a create/PUT body (title and content required) or a PATCH body."""
    return PromptFields(
        title=_text(payload, "title", required=not partial),
        content=_text(payload, "content", required=not partial),
        category=_text(payload, "category", required=False),
        tags=_tags(payload),
    )


def int_param(request: Request, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    """Integer query parameter ``name``: 422 below ``minimum``, clamped to ``maximum``."""
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise HttpError(422, f"query parameter '{name}' must be an integer") from exc
    if value < minimum:
        raise HttpError(422, f"query parameter '{name}' must be at least {minimum}")
    return value if maximum is None else min(value, maximum)
