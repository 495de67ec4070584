"""Authentication: none, basic, bearer or a login flow -> the headers every request carries.

A login token is kept and renewed when the target answers a ``relogin_on`` status, or when the
JWT's ``exp`` has passed. Renewal is single-flight: one thread logs in, the others wait and use
the new token, so a token that expires mid-run costs one login, not a failed request per worker.
Every credential and token goes into the run's ``SecretRegistry`` before anything can print it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import TargetError, UsageError
from ..redact import SecretRegistry, token_values
from ..results import AuthStats
from ..scenario import Auth, AuthType, BodyKind, Login, Target
from ..templating import TemplateError
from .checks import dig, parse_json
from .credentials import Credentials, credential_context, render_setting
from .exchange_log import log_exchange
from .http import Exchange, Prepared
from .prepare import AuthHeaders, RequestTemplate

logger = logging.getLogger(__name__)
RENEW_BACKOFF_S = 1.0
FRESH_MARGIN_S = 30.0
"""A login due to expire this soon is renewed before a cell is handed to worker processes."""
DEFAULT_LOGIN_BODY = {"username": "{{ username }}", "password": "{{ password }}"}
Send = Callable[[Prepared], Exchange]


@dataclass(frozen=True, slots=True)
class LoginResult:
    headers: AuthHeaders
    expires_at: float | None


class Authenticator:
    """Holds the current ``AuthHeaders``; ``send`` adds them and renews a login token when needed."""

    def __init__(self, auth: Auth, target: Target, *, credentials: Credentials,
                 context: Mapping[str, Any], secrets: SecretRegistry, send: Send) -> None:
        self._auth = auth
        self._target = target
        self._credentials = credentials
        self._context = {**context, **credential_context(credentials)}
        self._secrets = secrets
        self._send = send
        self._lock = threading.Lock()
        self._expires_at: float | None = None
        self._retry_after = 0.0
        self.renewable = auth.type is AuthType.LOGIN
        self.current = AuthHeaders()
        self.logins = 0
        self.login_times: list[float] = []
        self.failed_renewals = 0

    def start(self) -> None:
        """Build the headers; for a login flow, log in now (a failure is a ``TargetError``)."""
        kind = self._auth.type
        if kind is AuthType.BASIC:
            pair = f"{self._credentials.username}:{self._credentials.password}".encode()
            encoded = base64.b64encode(pair).decode("ascii")
            self._secrets.add(encoded)
            self.current = AuthHeaders(1, {"Authorization": f"Basic {encoded}"})
        elif kind is AuthType.BEARER:
            token = render_setting(self._auth.token, "auth.token", self._context)
            if not token:
                raise UsageError("auth.type is bearer but there is no token: set auth.token, "
                                 "e.g. token: \"{{ env.API_TOKEN }}\", and export API_TOKEN")
            self._secrets.add(token)
            self.current = AuthHeaders(1, {self._auth.header: self._with_scheme(token)})
        elif kind is AuthType.LOGIN:
            result = self._login(version=1)
            self.current, self._expires_at = result.headers, result.expires_at

    def send(self, template: RequestTemplate, context: Mapping[str, Any], send: Send) -> Exchange:
        """Send with the current headers; on a ``relogin_on`` status renew once and send again."""
        headers = self.current
        if self.renewable and self._expires_at is not None and time.time() >= self._expires_at:
            headers = self.renew(headers)
        exchange = send(template.prepare(context, headers))
        if self.renewable and self._auth.relogin_on.accepts(exchange.status):
            renewed = self.renew(headers)
            if renewed.version != headers.version:
                exchange = send(template.prepare(context, renewed))
        return exchange

    def fresh(self) -> AuthHeaders:
        """The headers to hand to worker processes for a cell (they never log in themselves): a
        login that has expired, or will within ``FRESH_MARGIN_S``, is renewed first."""
        headers = self.current
        expires = self._expires_at
        if self.renewable and expires is not None and time.time() >= expires - FRESH_MARGIN_S:
            headers = self.renew(headers)
        return headers

    def renew(self, stale: AuthHeaders) -> AuthHeaders:
        """Log in again unless another thread already did since ``stale`` was read (single-flight)."""
        with self._lock:
            if self.current.version != stale.version or time.monotonic() < self._retry_after:
                return self.current
            try:
                result = self._login(version=stale.version + 1)
            except TargetError as exc:
                self.failed_renewals += 1
                logger.warning("renewing the login failed: %s", exc)
                self._retry_after = time.monotonic() + RENEW_BACKOFF_S
                return self.current
            self.current, self._expires_at = result.headers, result.expires_at
            return self.current

    def stats(self) -> AuthStats | None:
        """The run's logins, for results.json; None when the plan has no login request."""
        if self._auth.type is not AuthType.LOGIN:
            return None
        times = self.login_times
        return AuthStats(self.logins, sum(times), max(times, default=0.0), self.failed_renewals)

    def _login(self, version: int) -> LoginResult:
        login = self._auth.login
        if login is None:
            raise UsageError("auth.type is login but auth.login is missing: add the login request")
        spec = login.request
        if spec.body_kind is BodyKind.NONE:
            spec = replace(spec, body_kind=BodyKind.JSON, body=DEFAULT_LOGIN_BODY)
        template = RequestTemplate(spec, self._target.base_url, self._target.headers, self._secrets)
        try:
            request = template.render(self._context, {})
        except TemplateError as exc:
            raise UsageError(f"the login request cannot be built: {exc}; give the credentials with "
                             "--username/--password, auth.username/auth.password or "
                             "YAMLPERF_USERNAME/YAMLPERF_PASSWORD") from None
        exchange = self._send(request)
        self.logins += 1
        self.login_times.append(exchange.duration)
        for value in token_values(parse_json(exchange.body)):  # a refresh token is as good as the access one
            self._secrets.add(value)
        cookies = set_cookies(exchange.headers) if login.token_source == "cookie" else {}
        try:  # the session cookie is the token; the others travel in Cookie headers, masked by name
            token = self._token(request, exchange, login, cookies)
            self._secrets.add(token)
        finally:  # after the token is known, so the logged answer shows it masked
            log_exchange(request, exchange, "login", self._secrets)
        logger.info("logged in at %s %s (login %d)", request.method, request.url, self.logins)
        if login.token_source == "cookie":
            headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        else:
            headers = {self._auth.header: self._with_scheme(token)}
        return LoginResult(AuthHeaders(version, headers), jwt_expiry(token))

    def _token(self, request: Prepared, exchange: Exchange, login: Login, cookies: Mapping[str, str]) -> str:
        where = f"{request.method} {request.url}"
        if exchange.fault:
            raise TargetError(f"login failed: {where}: {exchange.fault} ({exchange.error})")
        if not 200 <= exchange.status < 300:
            excerpt = self._secrets.scrub(exchange.body[:200].decode("utf-8", "replace"))
            raise TargetError(f"login failed: {where} answered {exchange.status}: {excerpt}\n"
                              "  check the credentials: --username/--password, auth.username/auth.password "
                              "or YAMLPERF_USERNAME/YAMLPERF_PASSWORD")
        if login.token_source == "cookie":
            if not cookies.get(login.token_path):
                named = ", ".join(cookies) or "none"
                raise TargetError(f"login at {where} answered {exchange.status} without setting the cookie "
                                  f"{login.token_path!r} (cookies set: {named}); set auth.login.token_cookie")
            return cookies[login.token_path]
        if login.token_source == "header":
            value = exchange.headers.get(login.token_path)
            if not value:
                raise TargetError(f"login at {where} answered {exchange.status} without the header "
                                  f"{login.token_path!r}; set auth.login.token_header")
            return str(value)
        token_path = login.token_path
        data = parse_json(exchange.body)
        try:
            token = dig(data, token_path)
        except (LookupError, TypeError):
            keys = ", ".join(map(str, data)) if isinstance(data, dict) else "not a JSON object"
            raise TargetError(f"login at {where} answered {exchange.status} without a token at "
                              f"{token_path!r} (the answer has: {keys}); set auth.login.token_path") from None
        return str(token)

    def _with_scheme(self, token: str) -> str:
        return f"{self._auth.scheme} {token}" if self._auth.scheme else token


_COOKIE_SPLIT = re.compile(r",\s*(?=[^;,=\s]+=)")


def set_cookies(headers: Mapping[str, str]) -> dict[str, str]:
    """The cookies an answer sets, name -> value, in order. Clients join repeated ``Set-Cookie``
    headers with commas; a comma inside an ``Expires`` date is not followed by ``name=``, so the
    split is on commas that are."""
    found: dict[str, str] = {}
    for item in _COOKIE_SPLIT.split(headers.get("Set-Cookie") or headers.get("set-cookie") or ""):
        name, sep, value = item.split(";", 1)[0].strip().partition("=")
        if sep and name and value.strip('"'):
            found[name] = value
    return found


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` of a JWT (epoch seconds), read without verifying; ``None`` for other tokens."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
