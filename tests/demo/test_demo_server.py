"""The demo target over real HTTP: a DemoServer on 127.0.0.1, port 0, no mocks."""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.demo import DemoServer

REPO_ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"username": "admin", "password": "admin_password"}
TIMING = re.compile(r'^db;dur=(\d+\.\d+);desc="database", app;dur=(\d+\.\d+)$')
TIMEOUT = 10


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(port=0) as running:
        yield running


@pytest.fixture
def session(server: DemoServer) -> Iterator[requests.Session]:
    """A keep-alive session already holding a bearer token."""
    with requests.Session() as http:
        answer = http.post(f"{server.url}/api/auth/login", json=CREDENTIALS, timeout=TIMEOUT)
        answer.raise_for_status()
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield http


def create(http: requests.Session, url: str, **fields: object) -> dict:
    body = {"title": "A title", "content": "Some content", "category": "general", **fields}
    answer = http.post(f"{url}/api/prompts", json=body, timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    return answer.json()


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# -- health and auth -------------------------------------------------------------------------


def test_server_binds_loopback_on_a_free_port(server: DemoServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert server.port > 0


def test_health_needs_no_token_and_counts_prompts(server: DemoServer, session: requests.Session) -> None:
    answer = requests.get(f"{server.url}/api/health", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"status": "ok", "prompts": 0}
    create(session, server.url)
    assert requests.get(f"{server.url}/api/health", timeout=TIMEOUT).json()["prompts"] == 1


def test_login_returns_a_bearer_jwt_with_real_expiry(server: DemoServer) -> None:
    before = time.time()
    answer = requests.post(f"{server.url}/api/auth/login", json=CREDENTIALS, timeout=TIMEOUT)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    claims = jwt_claims(body["access_token"])
    assert claims["sub"] == "admin"
    assert before - 1 <= claims["iat"] <= time.time() + 1
    assert claims["exp"] == pytest.approx(claims["iat"] + 900, abs=0.01)


def test_login_accepts_a_form_body(server: DemoServer) -> None:
    answer = requests.post(f"{server.url}/api/auth/login", data=CREDENTIALS, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.json()["access_token"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "admin", "password": "wrong"},
        {"username": "nobody", "password": "admin_password"},
    ],
)
def test_login_with_wrong_credentials_is_401(server: DemoServer, credentials: dict) -> None:
    answer = requests.post(f"{server.url}/api/auth/login", json=credentials, timeout=TIMEOUT)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in answer.json()


def test_custom_users_replace_the_default() -> None:
    with DemoServer(users={"alice": "s3cret"}) as server:
        url = f"{server.url}/api/auth/login"
        ok = requests.post(url, json={"username": "alice", "password": "s3cret"}, timeout=5)
        assert ok.status_code == 200
        assert requests.post(url, json=CREDENTIALS, timeout=TIMEOUT).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/prompts"),
        ("POST", "/api/prompts"),
        ("GET", "/api/prompts/1"),
        ("PUT", "/api/prompts/1"),
        ("PATCH", "/api/prompts/1"),
        ("DELETE", "/api/prompts/1"),
        ("GET", "/api/prompts/search?q=x"),
        ("GET", "/api/prompts/stats"),
        ("GET", "/api/prompts/1/related"),
    ],
)
def test_prompt_routes_require_a_token(server: DemoServer, method: str, path: str) -> None:
    answer = requests.request(method, f"{server.url}{path}", json={}, timeout=TIMEOUT)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["error"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "Bearer"])
def test_malformed_tokens_are_401(server: DemoServer, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.get(f"{server.url}/api/prompts", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_tampered_token_is_401(server: DemoServer, session: requests.Session) -> None:
    header, payload, signature = session.headers["Authorization"].split()[1].split(".")
    claims = jwt_claims(f"{header}.{payload}.{signature}")
    claims["exp"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    headers = {"Authorization": f"Bearer {header}.{forged}.{signature}"}
    answer = requests.get(f"{server.url}/api/prompts", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 401
    assert "signature" in answer.json()["error"]


def test_token_from_another_server_is_401(session: requests.Session) -> None:
    with DemoServer() as other:
        answer = session.get(f"{other.url}/api/prompts", timeout=TIMEOUT)
        assert answer.status_code == 401


def test_expired_token_is_401() -> None:
    with DemoServer(token_ttl=1.0) as server, requests.Session() as http:
        login = http.post(f"{server.url}/api/auth/login", json=CREDENTIALS, timeout=TIMEOUT)
        assert login.json()["expires_in"] == 1
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        assert http.get(f"{server.url}/api/prompts", timeout=TIMEOUT).status_code == 200
        time.sleep(1.2)
        answer = http.get(f"{server.url}/api/prompts", timeout=TIMEOUT)
        assert answer.status_code == 401
        assert "expired" in answer.json()["error"]
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_no_auth_serves_prompts_without_a_token() -> None:
    with DemoServer(require_auth=False) as server:
        created = requests.post(
            f"{server.url}/api/prompts", json={"title": "t", "content": "c"}, timeout=TIMEOUT
        )
        assert created.status_code == 201
        listed = requests.get(f"{server.url}/api/prompts", timeout=TIMEOUT)
        assert listed.json()["total"] == 1


# -- CRUD and listing ------------------------------------------------------------------------


def test_crud_round_trip(server: DemoServer, session: requests.Session) -> None:
    url = f"{server.url}/api/prompts"
    answer = session.post(
        url,
        json={"title": "Haiku", "content": "Write a haiku", "category": "poetry", "tags": ["x"]},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201
    created = answer.json()
    assert set(created) >= {"id", "title", "content", "category", "tags", "created_at"}
    assert isinstance(created["id"], int)
    assert created["tags"] == ["x"]
    assert answer.headers["Location"] == f"/api/prompts/{created['id']}"
    item = f"{url}/{created['id']}"
    assert session.get(item, timeout=TIMEOUT).json() == created

    replaced = session.put(item, json={"title": "Sonnet", "content": "Write one"}, timeout=5)
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "Sonnet"
    assert replaced.json()["category"] == "poetry"  # omitted optional fields are kept
    patched = session.patch(item, json={"tags": ["a", "b"]}, timeout=TIMEOUT)
    assert patched.status_code == 200
    assert patched.json()["tags"] == ["a", "b"]
    assert patched.json()["title"] == "Sonnet"
    assert session.get(item, timeout=TIMEOUT).json() == patched.json()
    assert server.record_count() == 1

    deleted = session.delete(item, timeout=TIMEOUT)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert session.get(item, timeout=TIMEOUT).status_code == 404
    assert session.delete(item, timeout=TIMEOUT).status_code == 404
    assert session.put(item, json={"title": "t", "content": "c"}, timeout=5).status_code == 404
    assert server.record_count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"content": "no title"},
        {"title": "no content"},
        {"title": "", "content": "empty title"},
        {"title": 3, "content": "title not a string"},
        {"title": "t", "content": "c", "tags": "not-a-list"},
        ["not", "an", "object"],
    ],
)
def test_invalid_prompt_is_422(server: DemoServer, session: requests.Session, body: object) -> None:
    answer = session.post(f"{server.url}/api/prompts", json=body, timeout=TIMEOUT)
    assert answer.status_code == 422
    assert answer.json()["error"]
    assert server.record_count() == 0


def test_pagination_totals(server: DemoServer, session: requests.Session) -> None:
    ids = [create(session, server.url, title=f"P{n}")["id"] for n in range(25)]
    url = f"{server.url}/api/prompts"
    pages = [
        session.get(url, params={"page": page, "page_size": 10}, timeout=TIMEOUT).json()
        for page in (1, 2, 3, 4)
    ]
    assert [len(page["items"]) for page in pages] == [10, 10, 5, 0]
    assert all(page["total"] == 25 for page in pages)
    assert [page["page"] for page in pages] == [1, 2, 3, 4]
    assert [item["id"] for page in pages for item in page["items"]] == ids
    counted = session.get(url, params={"page_size": 1}, timeout=TIMEOUT).json()
    assert counted["total"] == 25
    assert len(counted["items"]) == 1
    default = session.get(url, timeout=TIMEOUT).json()
    assert (default["page"], default["page_size"], len(default["items"])) == (1, 20, 20)
    clamped = session.get(url, params={"page_size": 1000}, timeout=TIMEOUT).json()
    assert clamped["page_size"] == 100
    for bad in ({"page": 0}, {"page_size": 0}, {"page": "x"}):
        assert session.get(url, params=bad, timeout=TIMEOUT).status_code == 422


def test_category_filter(server: DemoServer, session: requests.Session) -> None:
    for n in range(12):
        create(session, server.url, category=("code", "mail", "poem")[n % 3])
    url = f"{server.url}/api/prompts"
    code = session.get(url, params={"category": "code", "page_size": 2}, timeout=5).json()
    assert code["total"] == 4
    assert len(code["items"]) == 2
    assert {item["category"] for item in code["items"]} == {"code"}
    none = session.get(url, params={"category": "missing"}, timeout=TIMEOUT).json()
    assert none == {"items": [], "total": 0, "page": 1, "page_size": 20}


# -- search, related, stats ------------------------------------------------------------------


def test_search_finds_the_right_rows(server: DemoServer, session: requests.Session) -> None:
    kafka = create(session, server.url, title="Kafka consumer", content="Explain partitions")
    create(session, server.url, title="SQL joins", content="Explain joins with examples")
    tagged = create(session, server.url, title="Streams", content="Events", tags=["kafka"])
    mention = create(session, server.url, title="Queues", content="compare kafka and rabbitmq")
    url = f"{server.url}/api/prompts/search"

    found = session.get(url, params={"q": "Kafka"}, timeout=TIMEOUT).json()
    assert found["total"] == 3
    ranked = [item["id"] for item in found["items"]]
    assert ranked == [kafka["id"], tagged["id"], mention["id"]]  # title > tag > body
    assert all(item["score"] > 0 for item in found["items"])

    typo = session.get(url, params={"q": "kafak"}, timeout=TIMEOUT).json()
    assert typo["total"] == 0  # a transposition is two edits
    typo = session.get(url, params={"q": "kafkas"}, timeout=TIMEOUT).json()
    assert {item["id"] for item in typo["items"]} == {kafka["id"], tagged["id"]}

    nothing = session.get(url, params={"q": "zebra"}, timeout=TIMEOUT).json()
    assert nothing == {"items": [], "total": 0}
    limited = session.get(url, params={"q": "explain", "limit": 1}, timeout=TIMEOUT).json()
    assert (limited["total"], len(limited["items"])) == (2, 1)
    assert session.get(url, timeout=TIMEOUT).status_code == 422


def test_related_returns_similar_prompts(server: DemoServer, session: requests.Session) -> None:
    target = create(session, server.url, title="Python unit tests", category="code", tags=["py"])
    twin = create(session, server.url, title="Python unit tests again", category="code", tags=["py"])
    cousin = create(session, server.url, title="Rust lifetimes", category="code", tags=["rs"])
    stranger = create(session, server.url, title="Birthday card", category="mail", tags=["fun"])
    answer = session.get(f"{server.url}/api/prompts/{target['id']}/related", timeout=TIMEOUT)
    assert answer.status_code == 200
    body = answer.json()
    ids = [item["id"] for item in body["items"]]
    assert body["id"] == target["id"]
    assert ids[:2] == [twin["id"], cousin["id"]]
    assert stranger["id"] not in ids
    assert target["id"] not in ids
    assert body["total"] == len(body["items"])
    # The N+1 pattern, visible to a client: target, candidate list, one query per candidate.
    assert int(answer.headers["X-DB-Queries"]) == 2 + server.record_count() - 1
    missing = session.get(f"{server.url}/api/prompts/999999/related", timeout=TIMEOUT)
    assert missing.status_code == 404


def test_stats(server: DemoServer, session: requests.Session) -> None:
    create(session, server.url, content="1234", category="a", tags=["x", "y"])
    create(session, server.url, content="12345678", category="a", tags=["x"])
    create(session, server.url, content="12", category="b")
    stats = session.get(f"{server.url}/api/prompts/stats", timeout=TIMEOUT).json()
    assert stats["count"] == 3
    assert stats["categories"] == {"a": 2, "b": 1}
    assert stats["average_content_length"] == pytest.approx(14 / 3, abs=0.01)
    assert stats["tagged"] == 2
    assert stats["distinct_tags"] == 2
    assert stats["top_tags"][0] == {"tag": "x", "count": 2}


# -- protocol behaviour ----------------------------------------------------------------------


def test_timing_headers_on_every_answer(server: DemoServer, session: requests.Session) -> None:
    created = create(session, server.url)
    answers = [
        requests.get(f"{server.url}/api/health", timeout=TIMEOUT),
        session.get(f"{server.url}/api/prompts/{created['id']}", timeout=TIMEOUT),
        session.get(f"{server.url}/api/prompts?page_size=1", timeout=TIMEOUT),
        session.get(f"{server.url}/api/nowhere", timeout=TIMEOUT),
        requests.get(f"{server.url}/api/prompts", timeout=TIMEOUT),
        session.post(f"{server.url}/api/prompts", data=b"{", timeout=TIMEOUT),
        session.delete(f"{server.url}/api/prompts/{created['id']}", timeout=TIMEOUT),
    ]
    for answer in answers:
        match = TIMING.match(answer.headers["Server-Timing"])
        assert match, answer.headers["Server-Timing"]
        db_ms, app_ms = float(match[1]), float(match[2])
        assert 0 <= db_ms <= app_ms
        assert int(answer.headers["X-DB-Queries"]) >= 0
    assert [int(answer.headers["X-DB-Queries"]) for answer in answers[:3]] == [1, 1, 2]
    assert answers[4].headers["X-DB-Queries"] == "0"  # rejected before touching the DB


@pytest.mark.parametrize("body", [b"{", b"not json", b"", b'{"title": "t",}', b"\xff\xfe"])
def test_bad_json_is_400(server: DemoServer, session: requests.Session, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    answer = session.post(f"{server.url}/api/prompts", data=body, headers=headers, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]
    login = requests.post(f"{server.url}/api/auth/login", data=body, headers=headers, timeout=5)
    assert login.status_code == 400


def test_unknown_route_is_404_and_wrong_method_405(server: DemoServer, session: requests.Session) -> None:
    assert session.get(f"{server.url}/api/unknown", timeout=TIMEOUT).status_code == 404
    assert session.get(f"{server.url}/api/prompts/abc", timeout=TIMEOUT).status_code == 404
    wrong = session.delete(f"{server.url}/api/prompts", timeout=TIMEOUT)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, POST"
    assert wrong.json()["error"]
    assert session.post(f"{server.url}/api/health", timeout=TIMEOUT).status_code == 405


def test_an_internal_error_is_a_json_500_and_the_server_lives_on(
    server: DemoServer, session: requests.Session
) -> None:
    created = create(session, server.url)
    assert server.db_path is not None
    with sqlite3.connect(server.db_path) as db:  # corrupt one row behind the API's back
        db.execute("UPDATE prompts SET tags = 'not json' WHERE id = ?", (created["id"],))
    db.close()
    answer = session.get(f"{server.url}/api/prompts/{created['id']}", timeout=TIMEOUT)
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal server error"}
    assert TIMING.match(answer.headers["Server-Timing"])
    assert session.get(f"{server.url}/api/health", timeout=TIMEOUT).status_code == 200
    assert server.log_path is not None
    log = server.log_path.read_text()
    assert "unhandled error on GET /api/prompts/" in log
    assert "JSONDecodeError" in log


def test_keep_alive_and_connection_close(server: DemoServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        for _ in range(3):  # three requests, one connection
            connection.request("GET", "/api/health")
            answer = connection.getresponse()
            assert answer.status == 200
            assert int(answer.getheader("Content-Length")) == len(answer.read())
            assert answer.getheader("Connection") is None
        sock = connection.sock
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        for _ in range(100):  # until the server hangs up
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        assert received.startswith(b"HTTP/1.1 200")
        assert b"\r\nConnection: close\r\n" in received
        assert received.endswith(b'{"status":"ok","prompts":0}')
        assert sock.recv(1) == b""  # closed by the server
    finally:
        connection.close()


def test_chunked_request_body_is_read(server: DemoServer, session: requests.Session) -> None:
    body = json.dumps({"title": "chunked", "content": "body"}).encode()
    chunks = iter([body[:10], body[10:]])
    headers = {"Content-Type": "application/json"}
    answer = session.post(f"{server.url}/api/prompts", data=chunks, headers=headers, timeout=5)
    assert answer.status_code == 201
    assert answer.json()["title"] == "chunked"


def test_concurrent_creates_all_land(server: DemoServer, session: requests.Session) -> None:
    token = session.headers["Authorization"]
    errors: list[str] = []

    def worker(worker_id: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = token
            for n in range(25):
                body = {"title": f"w{worker_id}-{n}", "content": "x", "category": f"c{worker_id}"}
                answer = http.post(f"{server.url}/api/prompts", json=body, timeout=TIMEOUT)
                if answer.status_code != 201:
                    errors.append(answer.text)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert server.record_count() == 200
    listed = session.get(f"{server.url}/api/prompts?page_size=1", timeout=TIMEOUT).json()
    assert listed["total"] == 200
    by_category = session.get(f"{server.url}/api/prompts?category=c3", timeout=TIMEOUT).json()
    assert by_category["total"] == 25


def test_access_log_goes_to_the_log_file(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    with DemoServer(log_path=log) as server:
        requests.get(f"{server.url}/api/health", timeout=TIMEOUT)
    assert '"GET /api/health HTTP/1.1" 200' in log.read_text()


def test_close_removes_the_temp_files() -> None:
    with DemoServer() as server:
        assert server.db_path is not None
        temp_dir = server.db_path.parent
        assert server.db_path.exists()
        assert server.log_path is not None
        assert server.log_path.parent == temp_dir
        url = server.url
    assert not temp_dir.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/health", timeout=2)


def test_a_given_database_file_is_kept_and_reused(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    with DemoServer(db_path=db, require_auth=False) as server:
        requests.post(f"{server.url}/api/prompts", json={"title": "t", "content": "c"}, timeout=5)
    assert db.exists()
    with DemoServer(db_path=db) as server:
        assert server.record_count() == 1


# -- the command line ------------------------------------------------------------------------


def _first_line(stream: object, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        pytest.fail(f"no line within {timeout} s")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_module_cli_prints_url_serves_and_stops_on_signal(stop_signal: signal.Signals) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "yamlperf.demo", "--port", "0"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(process.stdout, timeout=15)
        match = re.fullmatch(r"yamlperf demo server listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        answer = requests.get(f"{match[1]}/api/health", timeout=TIMEOUT)
        assert answer.json() == {"status": "ok", "prompts": 0}
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == 0, err
    assert out == ""
    assert "GET /api/health" not in err  # access lines go to the log file only
    database = re.search(r"^database: (.+)$", err, re.MULTILINE)
    assert database, err
    assert not Path(database[1]).exists()  # the temp database is removed at exit


@pytest.mark.parametrize(("arguments", "expected"), [
    (["--help"], "usage: yamlperf demo-server [-h]"),
    (["--port", "x"], "yamlperf demo-server: error: argument --port: port must be between 0 and 65535"),
    (["--token-ttl", "soon"], "argument --token-ttl: token ttl must be a positive number of seconds"),
])
def test_the_cli_command_names_itself_in_usage_and_errors(arguments: list[str], expected: str) -> None:
    """`yamlperf demo-server --help` printed "usage: python -m yamlperf.demo", a command the user never
    typed, and a bad --port said "invalid _port value"."""
    out = CliRunner().invoke(main, ["demo-server", *arguments])
    assert out.exit_code == (0 if arguments == ["--help"] else 2), out.output
    assert expected in out.output
