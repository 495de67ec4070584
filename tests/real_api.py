"""A records API shaped like real ones rather than like yamlperf's demo, stdlib only, on 127.0.0.1.

What differs from ``servers.RecordsServer``, each switchable, because real APIs differ this way:
string (UUID) ids nested under ``data.id``; a create that answers ``201`` with an empty body and the
new record's URL in ``Location``; a unique ``email`` per record (``409`` on a duplicate); a rate limit
on creates and deletes (``429`` with ``Retry-After``); a login that sets a session cookie instead of
returning a token; ``410 Gone`` for a record already deleted; the number of records in the
``X-Total-Count`` and ``Content-Range`` headers of the list.

    with RealApiServer(login="cookie", rate_limit_every=4) as api:
        api.url, api.records, api.hits["POST /items"], api.limited
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from background import Background, JsonHandler

USERNAME = "admin"
PASSWORD = "pw-Sess10n-secret"
SESSION_COOKIE = "sid"
Answer = tuple[int, Any, dict[str, str]]


class _Handler(JsonHandler):
    def dispatch(self) -> None:
        app: RealApiServer = self.server.app  # type: ignore[attr-defined]
        self.send_json(*app.handle(self.command, urlsplit(self.path).path, self.body(), self.headers))


class RealApiServer(Background):
    """``login``: ``"none"``, ``"cookie"`` (``POST /session`` sets ``sid``), ``"header"`` (it answers
    ``X-Subject-Token``, sent back as ``X-Auth-Token``) or ``"api_key"`` (an ``X-API-Key`` header); ``location``: creates answer ``201`` with an empty body and ``Location``;
    ``rate_limit_every``: every k-th create or delete answers ``429`` with ``Retry-After``."""

    def __init__(self, *, login: str = "none", location: bool = False, rate_limit_every: int = 0,
                 retry_after: str = "0.05", api_key: str = "k-0123456789", login_redirect: bool = False) -> None:
        self.login = login
        self.login_redirect = login_redirect
        """The login sets its cookie on a ``303`` to ``/welcome``, as form logins do."""
        self.location = location
        self.rate_limit_every = rate_limit_every
        self.retry_after = retry_after
        self.api_key = api_key
        self.records: dict[str, dict[str, Any]] = {}
        self.sessions: set[str] = set()
        self.hits: Counter[str] = Counter()
        self.limited = 0
        self._writes = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.app = self  # type: ignore[attr-defined]
        self._serve_in_background(self._httpd)

    def handle(self, method: str, path: str, body: bytes, headers: Any) -> Answer:  # noqa: PLR0911  (a router)
        route = "/items/{id}" if path.startswith("/items/") else path
        with self._lock:
            self.hits[f"{method} {route}"] += 1
        if method == "POST" and path == "/session":
            return self._open_session(body)
        if path == "/welcome":
            return 200, {"welcome": True}, {}
        if not self._authorized(headers):
            return 401, {"errors": [{"title": "not signed in"}]}, {}
        if method in ("POST", "DELETE") and self._rate_limited():
            return 429, {"errors": [{"title": "slow down"}]}, {"Retry-After": self.retry_after}
        if route == "/items" and method == "POST":
            return self._create(body)
        if route == "/items" and method == "GET":
            with self._lock:
                items = list(self.records.values())
            shown = min(len(items), 10)  # the total in headers too, as json-server and PostgREST send it
            return 200, {"data": items[:10], "meta": {"total": len(items)}}, {
                "X-Total-Count": str(len(items)), "Content-Range": f"items 0-{shown - 1}/{len(items)}"}
        if route == "/items/{id}":
            return self._one(method, path.rsplit("/", 1)[-1])
        return 404, {"errors": [{"title": f"no route {method} {path}"}]}, {}

    def _open_session(self, body: bytes) -> Answer:
        data = json.loads(body or b"{}")
        if data.get("username") != USERNAME or data.get("password") != PASSWORD:
            return 401, {"errors": [{"title": "bad credentials"}]}, {}
        sid = uuid.uuid4().hex
        with self._lock:
            self.sessions.add(sid)
        cookie = {"Set-Cookie": f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly"}
        if self.login == "header":  # as OpenStack Keystone: the token in a header of an answer
            return 201, {"token": {"expires_at": "later"}}, {"X-Subject-Token": sid}
        if self.login_redirect:
            return 303, None, {**cookie, "Location": "/welcome"}
        return 200, {"signed_in": True}, cookie

    def _authorized(self, headers: Any) -> bool:
        if self.login == "api_key":
            return headers.get("X-API-Key") == self.api_key
        if self.login == "header":
            return headers.get("X-Auth-Token") in self.sessions
        if self.login == "cookie":
            cookies = dict(part.strip().partition("=")[::2] for part in (headers.get("Cookie") or "").split(";"))
            return cookies.get(SESSION_COOKIE) in self.sessions
        return True

    def _rate_limited(self) -> bool:
        with self._lock:
            self._writes += 1
            limited = bool(self.rate_limit_every) and self._writes % self.rate_limit_every == 0
            self.limited += limited
        return limited

    def _create(self, body: bytes) -> Answer:
        fields = json.loads(body or b"{}")
        record_id = str(uuid.uuid4())
        with self._lock:
            if any(r.get("email") == fields.get("email") for r in self.records.values()):
                return 409, {"errors": [{"title": "email taken"}]}, {}
            self.records[record_id] = {**fields, "id": record_id}
        if self.location:
            return 201, None, {"Location": f"/items/{record_id}"}
        return 201, {"data": {"id": record_id, "type": "item", "attributes": fields}}, {}

    def _one(self, method: str, record_id: str) -> Answer:
        with self._lock:
            if method == "DELETE":
                return (204, None, {}) if self.records.pop(record_id, None) else (410, None, {})
            record = self.records.get(record_id)
        return (200, {"data": record}, {}) if record else (404, {"errors": [{"title": "not found"}]}, {})
