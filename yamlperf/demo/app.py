"""Routing, authentication and the endpoint handlers of the demo API.

:meth:`DemoApp.handle` turns a :class:`Request` into a :class:`Response` and never raises: an
unexpected exception becomes a logged 500. Every response carries ``Server-Timing`` (``db`` is
the time spent in SQLite, ``app`` the whole handling time, database included) and
``X-DB-Queries`` (SQL statements run).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from yamlperf.demo import analysis, prompts, validation
from yamlperf.demo.messages import (
    HttpError,
    Request,
    Response,
    error_response,
    json_response,
    with_timing,
)
from yamlperf.demo.store import DbSession, Store
from yamlperf.demo.tokens import TokenError, TokenSigner

_REALM = 'Bearer realm="yamlperf-demo"'
_ID = r"(?P<id>\d{1,18})"


@dataclass(frozen=True)
class Context:
    """What a handler gets: the request, the path parameters and a metered DB session."""

    request: Request
    params: Mapping[str, str]
    db: DbSession

    @property
    def prompt_id(self) -> int:
        """The ``{id}`` of the path."""
        return int(self.params["id"])


Handler = Callable[["DemoApp", Context], Response]


@dataclass(frozen=True)
class Route:
    """One method on one path pattern."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_auth: bool


class DemoApp:
    """The demo API over one :class:`Store`."""

    def __init__(
        self,
        store: Store,
        users: Mapping[str, str],
        token_ttl: float,
        require_auth: bool,
        logger: logging.Logger,
    ) -> None:
        self._store = store
        self._signer = TokenSigner(secrets.token_bytes(32), token_ttl)
        self._salt = secrets.token_bytes(16)
        self._password_digests = {name: self._digest(pw) for name, pw in users.items()}
        self._require_auth = require_auth
        self._logger = logger

    def _digest(self, password: str) -> bytes:
        return hashlib.sha256(self._salt + password.encode("utf-8")).digest()

    # -- request handling -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The response to ``request``, with the timing headers; never raises."""
        started = time.perf_counter()
        db_seconds, queries = 0.0, 0
        try:
            with self._store.session() as db:
                try:
                    response = self._dispatch(request, db)
                finally:
                    db_seconds, queries = db.seconds, db.queries
        except HttpError as error:
            response = error_response(error)
        except Exception:
            self._logger.exception("unhandled error on %s %s", request.method, request.path)
            response = json_response(500, {"error": "internal server error"})
        return with_timing(response, db_seconds, time.perf_counter() - started, queries)

    def _dispatch(self, request: Request, db: DbSession) -> Response:
        path = request.path.rstrip("/") or "/"
        allowed = []
        for route in ROUTES:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            if route.needs_auth and self._require_auth:
                self._authenticate(request)
            return route.handler(self, Context(request, match.groupdict(), db))
        if allowed:
            raise HttpError(405, f"method {request.method} not allowed", (("Allow", ", ".join(allowed)),))
        raise HttpError(404, f"no route for {request.path}")

    def _authenticate(self, request: Request) -> str:
        """The user named by a valid bearer token; 401 otherwise."""
        scheme, _, token = (request.header("authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, "missing bearer token", (("WWW-Authenticate", _REALM),))
        try:
            claims = self._signer.verify(token.strip())
        except TokenError as exc:
            challenge = f'{_REALM}, error="invalid_token", error_description="{exc}"'
            raise HttpError(401, str(exc), (("WWW-Authenticate", challenge),)) from exc
        if claims.sub not in self._password_digests:
            raise HttpError(401, "unknown user", (("WWW-Authenticate", _REALM),))
        return claims.sub

    # -- handlers ---------------------------------------------------------------------------

    def health(self, ctx: Context) -> Response:
        return json_response(200, {"status": "ok", "prompts": prompts.count(ctx.db)})

    def login(self, ctx: Context) -> Response:
        username, password = validation.credentials(ctx.request)
        expected = self._password_digests.get(username, b"")
        # Compare even for an unknown user, so timing does not reveal which names exist.
        matches = hmac.compare_digest(self._digest(password), expected or bytes(32))
        if not (matches and expected):
            raise HttpError(401, "invalid username or password", (("WWW-Authenticate", _REALM),))
        ttl = self._signer.ttl
        return json_response(
            200,
            {
                "access_token": self._signer.issue(username),
                "token_type": "bearer",
                "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
            },
        )

    def create_prompt(self, ctx: Context) -> Response:
        fields = validation.prompt_fields(validation.json_object(ctx.request), partial=False)
        prompt = prompts.create(ctx.db, fields)
        return json_response(201, prompt.to_json(), (("Location", f"/api/prompts/{prompt.id}"),))

    def list_prompts(self, ctx: Context) -> Response:
        number = validation.int_param(ctx.request, "page", 1, minimum=1, maximum=10**9)
        size = validation.int_param(ctx.request, "page_size", 20, minimum=1, maximum=100)
        category = ctx.request.param("category") or None
        result = prompts.page(ctx.db, number, size, category)
        return json_response(
            200,
            {
                "items": [prompt.to_json() for prompt in result.items],
                "total": result.total,
                "page": number,
                "page_size": size,
            },
        )

    def _existing(self, ctx: Context) -> prompts.Prompt:
        prompt = prompts.get(ctx.db, ctx.prompt_id)
        if prompt is None:
            raise HttpError(404, f"prompt {ctx.prompt_id} not found")
        return prompt

    def get_prompt(self, ctx: Context) -> Response:
        return json_response(200, self._existing(ctx).to_json())

    def _update(self, ctx: Context, partial: bool) -> Response:
        fields = validation.prompt_fields(validation.json_object(ctx.request), partial=partial)
        prompt = prompts.update(ctx.db, ctx.prompt_id, fields)
        if prompt is None:
            raise HttpError(404, f"prompt {ctx.prompt_id} not found")
        return json_response(200, prompt.to_json())

    def put_prompt(self, ctx: Context) -> Response:
        return self._update(ctx, partial=False)

    def patch_prompt(self, ctx: Context) -> Response:
        return self._update(ctx, partial=True)

    def delete_prompt(self, ctx: Context) -> Response:
        if not prompts.delete(ctx.db, ctx.prompt_id):
            raise HttpError(404, f"prompt {ctx.prompt_id} not found")
        return json_response(204, None)

    def search(self, ctx: Context) -> Response:
        query = ctx.request.param("q") or ""
        if not query.strip():
            raise HttpError(422, "query parameter 'q' is required")
        limit = validation.int_param(ctx.request, "limit", 20, minimum=1, maximum=100)
        items, total = analysis.search(ctx.db, query, limit)
        return json_response(200, {"items": [item.to_json() for item in items], "total": total})

    def stats(self, ctx: Context) -> Response:
        return json_response(200, analysis.stats(ctx.db))

    def related(self, ctx: Context) -> Response:
        target = self._existing(ctx)
        limit = validation.int_param(ctx.request, "limit", 5, minimum=1, maximum=50)
        items = analysis.related(ctx.db, target, limit)
        return json_response(
            200, {"id": target.id, "items": [item.to_json() for item in items], "total": len(items)}
        )


def _route(method: str, path: str, handler: Handler, needs_auth: bool = True) -> Route:
    return Route(method, re.compile(path), handler, needs_auth)


ROUTES: tuple[Route, ...] = (
    _route("GET", "/api/health", DemoApp.health, needs_auth=False),
    _route("POST", "/api/auth/login", DemoApp.login, needs_auth=False),
    _route("GET", "/api/prompts", DemoApp.list_prompts),
    _route("POST", "/api/prompts", DemoApp.create_prompt),
    _route("GET", "/api/prompts/search", DemoApp.search),
    _route("GET", "/api/prompts/stats", DemoApp.stats),
    _route("GET", f"/api/prompts/{_ID}", DemoApp.get_prompt),
    _route("PUT", f"/api/prompts/{_ID}", DemoApp.put_prompt),
    _route("PATCH", f"/api/prompts/{_ID}", DemoApp.patch_prompt),
    _route("DELETE", f"/api/prompts/{_ID}", DemoApp.delete_prompt),
    _route("GET", f"/api/prompts/{_ID}/related", DemoApp.related),
)
