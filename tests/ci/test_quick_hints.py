"""`quick` says what the answers ask for: a login on 401, another method on 405 (with the ones the
server allows), a body on 422, quoting the server; `--emit-yaml --auth` writes a plan that logs in."""

from __future__ import annotations

import json
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from background import Background, JsonHandler
from click.testing import CliRunner

from yamlperf.cli import main

TOKEN = "tok-3f9a1c7e5b2d4a6e8c0b"


class _Handler(JsonHandler):
    """As Django REST framework and FastAPI answer: a login, an authenticated list, a POST-only
    transform that validates its body."""

    def do_PUT(self) -> None:
        self.dispatch()

    def dispatch(self) -> None:
        path = urlsplit(self.path).path
        body = self.body()
        if path == "/api/auth/login" and self.command == "POST":
            creds = json.loads(body or b"{}")
            if (creds.get("username"), creds.get("password")) == ("user", "user123"):
                self.send_json(200, {"access_token": TOKEN, "token_type": "bearer"})
            else:
                self.send_json(401, {"detail": "Invalid credentials"})
        elif self.headers.get("Authorization") != f"Bearer {TOKEN}" and path != "/api/transform":
            self.send_json(401, {"detail": "Authentication credentials were not provided."},
                           {"WWW-Authenticate": 'Bearer realm="api"'})
        elif path == "/api/transcripts":
            self.send_json(200, [{"id": 1, "text": "hello"}])
        elif path == "/api/transform" and self.command != "POST":
            self.send_json(405, {"detail": f'Method "{self.command}" not allowed.'}, {"Allow": "POST, OPTIONS"})
        elif path == "/api/transform":
            data = json.loads(body) if body else None
            if not isinstance(data, dict) or "text" not in data:
                self.send_json(422, {"detail": [{"loc": ["body", "text"], "msg": "field required",
                                                 "type": "value_error.missing"}]})
            else:
                self.send_json(200, {"text": data["text"].upper()})
        else:
            self.send_json(404, {"detail": "Not found."})


class HintApi(Background):
    def __init__(self) -> None:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        self._serve_in_background(httpd)


@pytest.fixture
def api() -> HintApi:
    with HintApi() as server:
        yield server


def _quick(api: HintApi, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["quick", api.url, "--requests", "4", "--concurrency", "2",
                                       "--output-dir", str(tmp_path / "runs"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_401_suggests_auth_and_quotes_the_server(api: HintApi, tmp_path: Path) -> None:
    code, _, said = _quick(api, tmp_path, "--endpoint", "/api/transcripts")
    assert code == 1
    assert ("hint: 4 answers were 401 Unauthorized: the endpoint wants a login: add --auth (with --username and "
            "--password;") in said
    assert 'The server answered: {"detail": "Authentication credentials were not provided."}' in said
    code, _, said = _quick(api, tmp_path, "--endpoint", "/api/transcripts", "--auth")
    assert code == 0, said
    assert "hint:" not in said


def test_a_405_suggests_the_method_the_server_allows_and_a_422_a_body(api: HintApi, tmp_path: Path) -> None:
    code, _, said = _quick(api, tmp_path, "--endpoint", "/api/transform")
    assert code == 1
    assert ("hint: 4 answers were 405 Method Not Allowed: /api/transform does not take GET (it allows POST, "
            "OPTIONS): try --method POST, and --data '{...}' if it needs a body") in said
    assert 'The server answered: {"detail": "Method \\"GET\\" not allowed."}' in said
    code, _, said = _quick(api, tmp_path, "--endpoint", "/api/transform", "--method", "POST")
    assert code == 1
    assert "hint: 4 answers were 422 Unprocessable Entity: the endpoint wants a body it can read: pass --data" in said
    assert '"loc": ["body", "text"], "msg": "field required"' in said
    code, _, said = _quick(api, tmp_path, "--endpoint", "/api/transform", "--data", '{"text": "abc"}')
    assert code == 0, said


def test_an_emitted_plan_with_auth_logs_in_as_quick_did(api: HintApi, tmp_path: Path) -> None:
    emitted = CliRunner().invoke(main, ["quick", api.url, "--endpoint", "/api/transcripts", "--auth",
                                        "--requests", "3", "--emit-yaml", "--output-dir", str(tmp_path / "runs")])
    assert emitted.exit_code == 0, emitted.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(emitted.stdout)
    assert "password: '{{ env.YAMLPERF_PASSWORD | default(\"user123\") }}'" in emitted.stdout
    assert emitted.stdout.count("user123") == 1
    ran = CliRunner().invoke(main, ["run", str(plan)], env={"YAMLPERF_USERNAME": None, "YAMLPERF_PASSWORD": None})
    assert ran.exit_code == 0, ran.output
    assert "logins: 1, " in ran.stdout
    typed = CliRunner().invoke(main, ["quick", api.url, "--auth", "--password", "Typed-Secret-9", "--emit-yaml"])
    assert "Typed-Secret-9" not in typed.stdout
    assert "export YAMLPERF_PASSWORD=... or pass --password to `yamlperf run`" in typed.stderr
