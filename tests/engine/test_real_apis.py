"""Runs against APIs shaped like real ones (``real_api.RealApiServer``): string ids nested in an
envelope, ids only in ``Location``, rate limits, session cookies, ``410 Gone``."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from real_api import PASSWORD, SESSION_COOKIE, USERNAME, RealApiServer
from servers import ScenarioFactory, run_plan

from yamlperf.cli import main
from yamlperf.engine.http import Exchange
from yamlperf.engine.patience import MAX_WAIT_S, retry_delay
from yamlperf.engine.seed import id_from_header
from yamlperf.results import load_results


def _scenario(url: str, **sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "real api",
        "target": {"base_url": url, "timeout": "5s"},
        "dataset": {
            "sizes": [6, 12],
            "create": {"path": "/items", "json": {"email": "user{{ n }}@example.com"}},
            "id_path": "data.id",
            "delete": {"method": "DELETE", "path": "/items/{{ id }}"},
        },
        "load": {"iterations": 6, "max_workers": 3},
        "endpoints": [{"name": "detail", "path": "/items/{{ id }}"}],
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


def test_a_rate_limited_create_and_delete_wait_for_retry_after_and_every_record_is_made_and_removed(
        write_scenario: ScenarioFactory) -> None:
    with RealApiServer(rate_limit_every=4) as api:
        code, out, run_dir = run_plan(write_scenario(_scenario(api.url)))
        records_left = dict(api.records)
    assert code == 0, out
    assert api.limited >= 4, "the rate limit was met while seeding and cleaning up"
    seeding = load_results(run_dir / "results.json").seeding
    assert [(s.size, s.created, s.failed) for s in seeding] == [(6, 6, 0), (12, 6, 0)]
    assert records_left == {}, "rate-limited deletes are sent again"
    assert "only" not in out


def test_a_growth_that_fails_still_waits_out_the_rate_limit_while_cleaning_up(
        write_scenario: ScenarioFactory) -> None:
    """A create template failing at record 8 once told every later rate-limited delete to give up."""
    broken = {"path": "/items", "json": {"email": "user{{ n }}@example.com", "rank": "{{ 100 // (n - 8) }}"}}
    with RealApiServer(rate_limit_every=3) as api:
        code, out, _ = run_plan(write_scenario(_scenario(api.url, dataset={"create": broken})))
        records_left = dict(api.records)
    assert code == 2, out
    assert "the request for record 8 cannot be built" in out
    assert api.limited >= 2
    assert records_left == {}, "every record made before the failure is deleted, rate limit or not"


def test_retry_after_is_read_as_seconds_or_a_date_and_bounded() -> None:
    def answer(status: int, **headers: str) -> Exchange:
        return Exchange(status, headers, b"", 0.001)

    assert retry_delay(answer(429, **{"Retry-After": "2"}), 0) == 2.0
    assert retry_delay(answer(429, **{"Retry-After": "86400"}), 0) == MAX_WAIT_S
    assert retry_delay(answer(429, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 0) == 0.0
    assert retry_delay(answer(429), 0) == 0.5
    assert retry_delay(answer(429), 2) == 2.0
    assert retry_delay(answer(503, **{"Retry-After": "1"}), 0) == 1.0
    assert retry_delay(answer(503), 0) is None, "a 503 that does not ask to wait is a failure"
    assert retry_delay(answer(500, **{"Retry-After": "1"}), 0) is None
    assert retry_delay(Exchange(0, {}, b"", 0.0, "timeout", "timed out"), 0) is None


@pytest.mark.parametrize("redirect", [False, True], ids=["direct", "cookie-on-a-redirect"])
def test_a_session_cookie_login_authenticates_every_request_and_never_shows_the_cookie(
        write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch, redirect: bool) -> None:
    monkeypatch.setenv("REAL_API_PASSWORD", PASSWORD)
    auth = {"type": "login", "username": USERNAME, "password": "{{ env.REAL_API_PASSWORD }}",
            "login": {"path": "/session", "token_cookie": SESSION_COOKIE}}
    with RealApiServer(login="cookie", login_redirect=redirect) as api:
        code, out, run_dir = run_plan(write_scenario(_scenario(api.url, auth=auth)), "--debug")
        sessions, records_left = set(api.sessions), dict(api.records)
    assert code == 0, out
    assert len(sessions) == 1
    assert records_left == {}
    cells = load_results(run_dir / "results.json").cells
    assert [c.success_rate for c in cells] == [1.0, 1.0]
    written = out + "".join(p.read_text() for p in run_dir.rglob("*") if p.is_file())
    assert sessions.pop() not in written
    assert PASSWORD not in written


def test_a_token_in_a_header_of_the_login_answer_is_sent_in_the_configured_header(
        write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_API_PASSWORD", PASSWORD)
    auth = {"type": "login", "username": USERNAME, "password": "{{ env.REAL_API_PASSWORD }}",
            "header": "X-Auth-Token", "scheme": "",
            "login": {"path": "/session", "token_header": "X-Subject-Token"}}
    with RealApiServer(login="header") as api:
        code, out, run_dir = run_plan(write_scenario(_scenario(api.url, auth=auth)), "--debug")
        sessions = set(api.sessions)
    assert code == 0, out
    assert [c.success_rate for c in load_results(run_dir / "results.json").cells] == [1.0, 1.0]
    written = out + "".join(p.read_text() for p in run_dir.rglob("*") if p.is_file())
    assert sessions.pop() not in written
    assert PASSWORD not in written


def test_a_login_that_sets_no_such_cookie_names_the_cookies_it_did_set(
        write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_API_PASSWORD", PASSWORD)
    auth = {"type": "login", "username": USERNAME, "password": "{{ env.REAL_API_PASSWORD }}",
            "login": {"path": "/session", "token_cookie": "sessionid"}}
    with RealApiServer(login="cookie") as api:
        code, out, _ = run_plan(write_scenario(_scenario(api.url, auth=auth)))
    assert code == 3, out
    assert "without setting the cookie 'sessionid' (cookies set: sid)" in out
    assert "Traceback" not in out


def test_giving_two_places_for_the_token_or_the_id_is_a_located_mistake(
        write_scenario: ScenarioFactory) -> None:
    data = _scenario("http://127.0.0.1:9", auth={
        "type": "login", "login": {"path": "/session", "token_path": "token", "token_cookie": "sid"}})
    data["dataset"]["id_header"] = "Location"
    result = CliRunner().invoke(main, ["validate", str(write_scenario(data))])
    assert result.exit_code == 2, result.output
    assert "give only one of `token_path`, `token_header` and `token_cookie`" in result.output
    assert "give only one of `id_path` and `id_header`" in result.output
    assert "Traceback" not in result.output


def test_ids_only_in_the_location_header_of_an_empty_201_are_seeded_measured_and_deleted(
        write_scenario: ScenarioFactory) -> None:
    data = _scenario("")
    data["dataset"]["sizes"] = [4, 8]
    del data["dataset"]["id_path"]
    data["dataset"]["id_header"] = "Location"
    with RealApiServer(location=True) as api:
        data["target"]["base_url"] = api.url
        code, out, run_dir = run_plan(write_scenario(data))
        records_left = dict(api.records)
        hits = api.hits["GET /items/{id}"]
    assert code == 0, out
    results = load_results(run_dir / "results.json")
    assert [(s.size, s.created, s.failed) for s in results.seeding] == [(4, 4, 0), (8, 4, 0)]
    assert [c.success_rate for c in results.cells] == [1.0, 1.0]
    assert hits >= 12
    assert records_left == {}


def test_an_id_is_the_last_segment_of_a_location_url_or_the_header_value_itself() -> None:
    assert id_from_header("https://api.example.com/v1/items/3f2a-9c/?expand=1#x") == "3f2a-9c"
    assert id_from_header("/items/42") == "42"
    assert id_from_header("/items/a%20b/") == "a b"
    assert id_from_header(" 7d1e ") == "7d1e"
    assert id_from_header("") is None
    assert id_from_header(None) is None
    assert id_from_header("/") is None


def test_records_an_endpoint_deleted_answer_410_to_the_cleanup_and_are_not_called_left_over(
        write_scenario: ScenarioFactory) -> None:
    data = _scenario("", endpoints=[{"name": "remove", "method": "DELETE", "path": "/items/{{ id }}",
                                     "iterations": 3, "expect": {"status": [204, 410]}}])
    data["dataset"]["sizes"] = [3]
    with RealApiServer() as api:
        data["target"]["base_url"] = api.url
        code, out, run_dir = run_plan(write_scenario(data))
        gone = api.hits["DELETE /items/{id}"]
    assert code == 0, out
    assert gone == 6, "each record deleted once by the endpoint, once more by the cleanup"
    assert not (run_dir / "leftover_ids.txt").exists(), out
    assert "could not be deleted" not in out
