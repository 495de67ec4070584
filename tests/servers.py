"""Real HTTP servers on 127.0.0.1 for tests: a small records API with optional JWT login, a flaky
route, a slow route and an echo route. Stdlib only, HTTP/1.1 keep-alive, port 0.

    with RecordsServer(auth=True, token_lifetime=0.5) as server:
        server.url            # "http://127.0.0.1:54321"
        server.hits["GET /records/{id}"]
        server.sequence       # every hit's route, in the order they came
        len(server.records)

Routes (every one but /health and /auth/login needs a valid bearer token when ``auth`` is on):
    GET    /health                 {"status": "ok"}
    POST   /auth/login             {"username", "password"} -> {"access_token": JWT} or 401
    POST   /records                create -> 201 {"id": n, ...the posted fields}
    GET    /records                {"items": [the first 20], "total": N}
    GET    /records/count          {"total": N}
    GET    /records/{id}           the record or 404
    DELETE /records/{id}           204 or 404
    GET    /flaky                  deterministic: of every 10 requests, 2 answer 500 and 1 is reset
    GET    /slow?ms=N              answers after N milliseconds
    GET    /noisy?ms=N             answers after a random 0 to N milliseconds (seeded)
    GET    /spiky?every=K&ms=N     every K-th request answers after N milliseconds, the others at once
    GET    /phased?every=K&ms=A,B  K requests answer after A ms, the next K after B ms, and so on
    GET    /echo                   the request's method, path, query, headers and body as JSON
    GET    /static                 a tiny constant JSON answer

``records_scenario(server.url)`` builds a scenario dict for it (seed, list, detail); the
``write_scenario`` fixture in conftest.py writes one to a file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import random
import re
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from background import Background, JsonHandler

ScenarioFactory = Callable[..., Path]
USERNAME = "admin"
PASSWORD = "s3cret-Passw0rd"
FLAKY_500 = frozenset({2, 5})
FLAKY_RESET = frozenset({8})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(subject: str, lifetime: float, key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"sub": subject, "exp": time.time() + lifetime,
                               "jti": time.perf_counter_ns()}).encode())
    signature = _b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def jwt_valid(token: str, key: bytes) -> bool:
    parts = token.split(".")
    if len(parts) != 3:
        return False
    expected = _b64(hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return False
    payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    return time.time() < payload["exp"]


class _Handler(JsonHandler):
    server: _Server

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        app: RecordsServer = self.server.app
        route, status, payload = app.handle(self.command, url.path, parse_qs(url.query), self.body(), self)
        app.hit(f"{self.command} {route}")
        if status == 0:
            self._reset()
            return
        self.send_json(status, payload, {"X-Request-Number": str(app.request_number())})

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, as a crashing server would."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    app: RecordsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a timed-out test request) is expected here, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RecordsServer(Background):
    """The records API above, served on a background thread; counts every hit by route."""

    def __init__(self, *, auth: bool = False, token_lifetime: float = 300.0, preload: int = 0,
                 username: str = USERNAME, password: str = PASSWORD, port: int = 0,
                 delete_delay: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.auth = auth
        self.tls = tls
        """Serve https with this context (see ``self_signed_tls``) instead of plain http."""
        self.delete_delay = delete_delay
        """Seconds each ``DELETE /records/{id}`` takes: a cleanup slow enough to interrupt."""
        self.token_lifetime = token_lifetime
        self.username = username
        self.password = password
        self.records: dict[int, dict[str, Any]] = {}
        self.hits: Counter[str] = Counter()
        self.sequence: list[str] = []
        self.arrivals: list[float] = []
        """``time.perf_counter()`` of each hit in ``sequence``."""
        self._noise = random.Random(0)
        self._spikes = itertools.count(1)
        self._phases = itertools.count()
        self.logins = 0
        self.unauthorized = 0
        self.tokens: list[str] = []
        self._key = b"test-signing-key"
        self._ids = itertools.count(1)
        self._flaky = itertools.count()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        for _ in range(preload):
            record_id = next(self._ids)
            self.records[record_id] = {"id": record_id, "title": f"preloaded {record_id}"}
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.app = self
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._serve_in_background(self._httpd)

    def hit(self, key: str) -> None:
        with self._lock:
            self.hits[key] += 1
            self.sequence.append(key)
            self.arrivals.append(time.perf_counter())

    def request_number(self) -> int:
        return next(self._numbers)

    def load_hits(self) -> int:
        """Requests other than logins and health checks: what a run sends as load or seeding."""
        return sum(n for k, n in self.hits.items() if k not in ("POST /auth/login", "GET /health"))

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               request: BaseHTTPRequestHandler) -> tuple[str, int, Any]:
        """(route pattern, status, JSON payload); status 0 means: reset the connection."""
        if path == "/health":
            return "/health", 200, {"status": "ok"}
        if path == "/auth/login" and method == "POST":
            return "/auth/login", *self._login(body)
        if self.auth and not self._authorized(request.headers.get("Authorization", "")):
            with self._lock:
                self.unauthorized += 1
            return _route(path), 401, {"detail": "token missing, invalid or expired"}
        return _route(path), *self._serve(method, path, query, body, request)

    def _login(self, body: bytes) -> tuple[int, Any]:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"detail": "not JSON"}
        if data.get("username") != self.username or data.get("password") != self.password:
            return 401, {"detail": "bad credentials"}
        token = make_jwt(self.username, self.token_lifetime, self._key)
        with self._lock:
            self.logins += 1
            self.tokens.append(token)
        return 200, {"access_token": token, "token_type": "bearer"}

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        return scheme == "Bearer" and jwt_valid(token, self._key)

    def _serve(self, method: str, path: str, query: dict[str, list[str]],  # noqa: PLR0911  (a router)
               body: bytes, request: BaseHTTPRequestHandler) -> tuple[int, Any]:
        route = _route(path)
        if route == "/records" and method == "POST":
            return self._create(body)
        if route == "/records" and method == "GET":
            with self._lock:
                items = list(self.records.values())
            return 200, {"items": items[:20], "total": len(items)}
        if route == "/records/count":
            return 200, {"total": len(self.records)}
        if route == "/records/{id}":
            return self._one(method, path.rsplit("/", 1)[-1])
        if route == "/flaky":
            slot = next(self._flaky) % 10
            return (500, {"detail": "flaky"}) if slot in FLAKY_500 else (0, None) if slot in FLAKY_RESET \
                else (200, {"ok": True})
        if route == "/slow":
            time.sleep(float(query.get("ms", ["100"])[0]) / 1e3)
            return 200, {"slow": True}
        if route == "/noisy":
            with self._lock:
                delay = self._noise.uniform(0, float(query.get("ms", ["20"])[0]))
            time.sleep(delay / 1e3)
            return 200, {"noisy": True}
        if route == "/phased":
            delays = [float(v) for v in query.get("ms", ["5,15"])[0].split(",")]
            phase = (next(self._phases) // int(query.get("every", ["10"])[0])) % len(delays)
            time.sleep(delays[phase] / 1e3)
            return 200, {"phase": phase}
        if route == "/spiky":
            if next(self._spikes) % int(query.get("every", ["10"])[0]) == 0:
                time.sleep(float(query.get("ms", ["50"])[0]) / 1e3)
            return 200, {"spiky": True}
        if route == "/echo":
            return 200, {"method": method, "path": path, "query": {k: v[0] for k, v in query.items()},
                         "headers": dict(request.headers), "body": body.decode("utf-8", "replace")}
        if route == "/static":
            return 200, {"ok": True}
        return 404, {"detail": f"no route {method} {path}"}

    def _create(self, body: bytes) -> tuple[int, Any]:
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            return 400, {"detail": "not JSON"}
        with self._lock:
            record_id = next(self._ids)
            record = {**fields, "id": record_id}
            self.records[record_id] = record
        return 201, record

    def _one(self, method: str, raw_id: str) -> tuple[int, Any]:
        record_id = int(raw_id) if raw_id.isdigit() else -1
        if method == "DELETE" and self.delete_delay:
            time.sleep(self.delete_delay)
        with self._lock:
            if record_id not in self.records:
                return 404, {"detail": "not found"}
            if method == "DELETE":
                del self.records[record_id]
                return 204, None
            return 200, self.records[record_id]


def _route(path: str) -> str:
    parts = path.rstrip("/").split("/")
    if len(parts) == 3 and parts[1] == "records" and parts[2].isdigit():
        return "/records/{id}"
    return path.rstrip("/") or "/"


def records_scenario(base_url: str, *, auth: bool = False, sizes: list[int] | None = None,
                     endpoints: list[dict[str, Any]] | None = None, **sections: Any) -> dict[str, Any]:
    """A scenario for ``RecordsServer``: seeds records, lists them and reads them one by one."""
    data: dict[str, Any] = {
        "name": "records test",
        "target": {"base_url": base_url, "timeout": "5s"},
        "dataset": {
            "sizes": sizes or [3, 6],
            "create": {"path": "/records", "json": {"title": "record {{ n }}"}},
            "delete": {"path": "/records/{{ id }}"},
        },
        "load": {"iterations": 10, "concurrency": 1, "max_workers": 4},
        "endpoints": endpoints or [{"name": "list", "path": "/records"},
                                   {"name": "detail", "path": "/records/{{ id }}"}],
    }
    if auth:
        data["auth"] = {"type": "login", "login": {"path": "/auth/login"},
                        "username": USERNAME, "password": "{{ env.TEST_RECORDS_PASSWORD }}"}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


def self_signed_tls(folder: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1 (made with ``openssl``)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def run_plan(path: Path, *args: str) -> tuple[int, str, Path]:
    """``yamlperf run PATH ARGS`` in-process: exit code, output, and the run folder it printed (a
    path that cannot exist, naming the problem, when it printed none, e.g. for an exit 2)."""
    from click.testing import CliRunner

    from yamlperf.cli import main

    result = CliRunner().invoke(main, ["run", str(path), *args])
    match = re.search(r"^results: (.+)$", result.output, re.MULTILINE)
    run_dir = Path(match.group(1)).parent if match else Path("<the run printed no results line>")
    return result.exit_code, result.output, run_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    """``python tests/servers.py --port N [--auth]``: serve until killed (for target lifecycle tests)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth", action="store_true")
    args = parser.parse_args(argv)
    with RecordsServer(port=args.port, auth=args.auth) as server:
        print(f"serving at {server.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
