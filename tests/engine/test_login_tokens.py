"""Every token-like field of a login answer, and any value captured from one, is a secret: the refresh
token of a Django simplejwt or Flask-JWT-Extended login never shows in --debug output or a file."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from background import Background, JsonHandler
from servers import ScenarioFactory, make_jwt


class _Handler(JsonHandler):
    def dispatch(self) -> None:
        api: TokenApi = self.server.api  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        body = json.loads(self.body() or b"{}")
        if self.command == "POST" and path == api.login_path:
            ok = body.get("username") == "admin" and body.get("password") == "pw-Adm1n-secret"
            self.send_json(200, api.answer, {}) if ok else self.send_json(401, {"detail": "bad credentials"})
        elif self.command == "POST" and path == api.refresh_path:
            fresh = body.get("refresh") == api.refresh or body.get("refresh_token") == api.refresh
            self.send_json(200 if fresh else 401, {"access": api.access} if fresh else {"detail": "no"})
        elif self.headers.get("Authorization") == f"Bearer {api.access}":
            self.send_json(200, [{"id": 1, "title": "one"}])
        else:
            self.send_json(401, {"detail": "Authentication credentials were not provided."})


class TokenApi(Background):
    """``style="simplejwt"``: ``POST /api/token/`` -> ``{"refresh", "access"}`` (both JWTs);
    ``style="flask"``: ``POST /login`` -> ``{"access_token", "refresh_token", "token_type"}`` with an
    opaque refresh token, as Flask-JWT-Extended and OAuth servers answer."""

    def __init__(self, style: str) -> None:
        self.access = make_jwt("admin", 300, b"access-key")
        if style == "simplejwt":
            self.refresh = make_jwt("admin-refresh", 86400, b"refresh-key")
            self.login_path, self.refresh_path, self.token_path = "/api/token/", "/api/token/refresh/", "access"
            self.answer = {"refresh": self.refresh, "access": self.access}
        else:
            self.refresh = secrets.token_urlsafe(32)
            self.login_path, self.refresh_path, self.token_path = "/login", "/refresh", "access_token"
            self.answer = {"access_token": self.access, "refresh_token": self.refresh, "token_type": "bearer",
                           "expires_in": 300, "user": {"id": 7, "name": "admin"}}
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.api = self  # type: ignore[attr-defined]
        self._serve_in_background(httpd)


@pytest.mark.parametrize("style", ["simplejwt", "flask"])
def test_the_refresh_token_of_a_login_answer_is_masked_in_debug_output_and_files(
        style: str, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    with TokenApi(style) as api:
        refresh_field = "refresh" if style == "simplejwt" else "refresh_token"
        plan = write_scenario({
            "name": "tokens", "target": {"base_url": api.url, "timeout": "5s"},
            "auth": {"type": "login", "username": "admin", "password": "{{ env.TOKEN_API_PASSWORD }}",
                     "login": {"path": api.login_path, "token_path": api.token_path}},
            "load": {"iterations": 3},
            "endpoints": [
                {"name": "items", "path": "/api/items/"},
                {"name": "obtain", "method": "POST", "path": api.login_path,
                 "json": {"username": "admin", "password": "{{ password }}"},
                 "capture": {"kept": {"json": refresh_field}}},
                {"name": "refresh", "method": "POST", "path": api.refresh_path, "json": {refresh_field: "{{ kept }}"}},
            ],
            "output": {"formats": ["json", "html", "csv"]},
        })
        done = subprocess.run([sys.executable, "-m", "yamlperf", "run", str(plan), "--debug"], capture_output=True,
                              text=True, timeout=60, check=False,
                              env={**os.environ, "TOKEN_API_PASSWORD": "pw-Adm1n-secret", "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"POST {api.url}{api.refresh_path}" in done.stderr
    assert "[login]" in done.stderr
    written = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "out").rglob("*") if p.is_file())
    for shown in (done.stdout, done.stderr, written):
        assert api.refresh not in shown
        assert api.access not in shown
        assert "pw-Adm1n-secret" not in shown
    if style == "flask":  # what is no token stays readable
        assert '"expires_in": 300, "user": {"id": 7, "name": "admin"}' in done.stderr
