"""Whole runs in-process against the records server: counts, seeding, failures, renewal, captures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servers import USERNAME, RecordsServer, ScenarioFactory, free_port, records_scenario

from yamlperf.engine.credentials import Credentials
from yamlperf.engine.http import Urllib3Transport
from yamlperf.engine.progress import NullObserver
from yamlperf.engine.runner import RunOptions, RunOutcome, run_scenario
from yamlperf.errors import TargetError
from yamlperf.loader import load_scenario
from yamlperf.results import CellStats, load_results


class SizeWatcher(NullObserver):
    """Notes how many records the server holds when each cell ends."""

    def __init__(self, server: RecordsServer) -> None:
        self.server = server
        self.held: list[tuple[int | None, int]] = []

    def cell_done(self, stats: CellStats) -> None:
        self.held.append((stats.size, len(self.server.records)))


def run(path: Path, observer: Any = None, **options: Any) -> RunOutcome:
    return run_scenario(load_scenario(path), RunOptions(scenario_file=path, **options), observer)


def test_three_sizes_two_levels_two_endpoints_make_twelve_exact_cells(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[2, 5, 9],
                                           load={"iterations": 7, "concurrency": [1, 3]}))
    watcher = SizeWatcher(records_server)
    outcome = run(path, watcher)
    cells = outcome.result.cells
    assert len(cells) == 12
    assert [(c.size, c.concurrency, c.endpoint) for c in cells[:4]] == [
        (2, 1, "list"), (2, 1, "detail"), (2, 3, "list"), (2, 3, "detail")]
    assert all(c.requests == 7 and c.successes == 7 for c in cells)
    assert records_server.hits["GET /records"] == 6 * 7
    assert records_server.hits["GET /records/{id}"] == 6 * 7
    assert records_server.hits["POST /records"] == 9
    assert watcher.held == [(size, size) for size in (2, 5, 9) for _ in range(4)]
    assert records_server.records == {}
    assert [(s.size, s.existing, s.created) for s in outcome.result.seeding] == [(2, 0, 2), (5, 2, 3), (9, 5, 4)]
    assert outcome.result.complete
    assert [c.requests for c in load_results(outcome.run_dir).cells] == [7] * 12


def test_detail_requests_walk_the_created_ids_one_after_another(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(
        records_server.url, sizes=[4],
        endpoints=[{"name": "detail", "path": "/records/{{ id }}", "expect": {"json": {"id": "{{ id }}"}}}],
        load={"iterations": 8}))
    cell = run(path).result.cells[0]
    assert cell.successes == 8


def test_counting_existing_records_creates_only_the_difference(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(preload=7) as server:
        data = records_scenario(server.url, sizes=[5, 12], load={"iterations": 2})
        data["dataset"]["count"] = {"path": "/records", "count_path": "total", "ids_path": "items.*.id"}
        outcome = run(write_scenario(data))
        steps = [(s.size, s.existing, s.created) for s in outcome.result.seeding]
        assert steps == [(5, 7, 0), (12, 7, 5)]
        assert all(c.success_rate == 1 for c in outcome.result.cells), "the records there have ids"
        assert server.hits["POST /records"] == 5
        assert len(server.records) == 7, "cleanup removes only the records the run created"


def test_keep_data_leaves_the_largest_size_in_place(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[3, 8], load={"iterations": 2}))
    run(path, keep_data=True)
    assert len(records_server.records) == 8


@pytest.mark.parametrize("transport", [None, Urllib3Transport], ids=["default", "urllib3"])
def test_a_server_failing_thirty_percent_is_measured_with_categories(
        records_server: RecordsServer, write_scenario: ScenarioFactory, transport: type | None) -> None:
    """Both transports count every reset of a busy connection: only a connection idle long enough
    for a keep-alive timeout is given a second try."""
    path = write_scenario(records_scenario(records_server.url, endpoints=[{"name": "flaky", "path": "/flaky"}],
                                           sizes=[1], load={"iterations": 100, "concurrency": 4}))
    result = run(path, transport=transport).result
    cell = result.cells[0]
    assert result.meta.transport == ("httptools" if transport is None else "urllib3")
    assert cell.requests == 100
    assert cell.success_rate == pytest.approx(0.70, abs=0.02)
    assert cell.failures == {"http_5xx": 20, "reset": 10}
    assert cell.status_codes == {"200": 70, "500": 20}
    assert cell.latency is not None
    assert records_server.hits["GET /flaky"] == 100


def test_an_expiring_jwt_is_renewed_without_failed_requests(
        write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True, token_lifetime=0.25) as server:
        path = write_scenario(records_scenario(
            server.url, auth=True, sizes=[2],
            endpoints=[{"name": "slow", "path": "/slow", "query": {"ms": 10}}],
            load={"iterations": 200, "concurrency": 4}))
        cell = run(path).result.cells[0]
        assert cell.wall_time > 0.5, "the run outlives two tokens"
        assert cell.requests == 200
        assert cell.successes == 200, cell.failures
        assert server.logins >= 2
        assert server.logins <= 2 + int(cell.wall_time / 0.25) + 2, "renewal is single-flight"


def test_a_wrong_password_stops_before_any_load(write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True) as server:
        path = write_scenario(records_scenario(server.url, auth=True))
        with pytest.raises(TargetError, match=r"login failed.*401"):
            run(path, credentials=Credentials(USERNAME, "not-the-password"))
        assert server.load_hits() == 0
        assert server.hits["POST /auth/login"] == 1


def test_nothing_listening_is_a_target_error(write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(TargetError, match="nothing answers"):
        run(path)


def test_max_duration_truncates_the_cell(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(
        records_server.url, sizes=[1], endpoints=[{"name": "slow", "path": "/slow?ms=40"}],
        load={"iterations": 100, "max_duration": "0.2s"}))
    cell = run(path).result.cells[0]
    assert cell.truncated
    assert 2 <= cell.requests < 20


def test_warmup_is_not_counted(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[1], endpoints=[{"name": "s", "path": "/static"}],
                                           load={"iterations": 5, "warmup": 3}))
    cell = run(path).result.cells[0]
    assert cell.requests == 5
    assert records_server.hits["GET /static"] == 8


def test_captures_feed_and_expectations(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    (tmp_path / "words.csv").write_text("word\nalpha\nbravo\n", encoding="utf-8")
    endpoints = [
        {"name": "create", "method": "POST", "path": "/records", "json": {"title": "{{ row.word }}"},
         "expect": {"status": 201}, "capture": {"last": {"json": "id"}}},
        {"name": "read-last", "path": "/records/{{ vars.last }}", "expect": {"json": {"id": "{{ last }}"}}},
        {"name": "echo", "path": "/echo", "query": {"w": "{{ row.word }}"},
         "expect": {"contains": "yamlperf/", "header": {"Content-Type": "application/json"}}},
        {"name": "wrong", "path": "/records", "expect": {"json": {"total": -1}}},
    ]
    data = records_scenario(records_server.url, endpoints=endpoints, sizes=[1], load={"iterations": 4})
    data["feed"] = {"file": "words.csv"}
    cells = {c.endpoint: c for c in run(write_scenario(data)).result.cells}
    assert cells["create"].successes == 4
    assert cells["read-last"].successes == 4
    assert cells["echo"].successes == 4
    assert cells["wrong"].failures == {"expectation_failed": 4}
    assert "json total: expected -1" in cells["wrong"].errors[0]
    titles = sorted(r["title"] for r in records_server.records.values() if "title" in r)
    assert titles == ["alpha", "alpha", "bravo", "bravo"], "the feed hands rows one after another"


def test_timeouts_are_counted_not_fatal(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(
        records_server.url, sizes=[1], endpoints=[{"name": "slow", "path": "/slow?ms=300"}],
        load={"iterations": 3, "concurrency": 3, "timeout": "50ms"}))
    cell = run(path).result.cells[0]
    assert cell.failures == {"timeout": 3}
    assert cell.latency is None


def test_bearer_and_basic_headers(records_server: RecordsServer, write_scenario: ScenarioFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_API_TOKEN", "tok-123456")
    echo = [{"name": "echo", "path": "/echo", "expect": {"json": {"headers.Authorization": "Token tok-123456"}}}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=echo, load={"iterations": 2})
    data["auth"] = {"type": "bearer", "token": "{{ env.TEST_API_TOKEN }}", "scheme": "Token"}
    assert run(write_scenario(data)).result.cells[0].successes == 2
    data["auth"] = {"type": "basic"}
    data["endpoints"] = [{"name": "echo", "path": "/echo",
                          "expect": {"json": {"headers.Authorization": "Basic YWRtaW46cHc0NTY="}}}]
    cell = run(write_scenario(data, "basic.yaml"), credentials=Credentials("admin", "pw456")).result.cells[0]
    assert cell.successes == 2, cell.errors


class Notes(NullObserver):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


def test_more_records_than_a_size_asks_for_is_said_not_hidden(write_scenario: ScenarioFactory) -> None:
    from yamlperf.render.console import format_summary

    with RecordsServer(preload=9) as server:
        data = records_scenario(server.url, sizes=[5, 12], load={"iterations": 2})
        data["dataset"]["count"] = {"path": "/records", "count_path": "total", "ids_path": "items.*.id"}
        notes = Notes()
        outcome = run_scenario(load_scenario(write_scenario(data)),
                               RunOptions(scenario_file=Path("s.yaml")), notes)
    assert notes.notes == ["the target already holds 9 records, more than 5: the cells at size 5 measure 9 records"]
    summary = format_summary(outcome.result)
    assert "Dataset size: 5 records requested, 9 already there: measured on 9" in summary
    assert "Dataset size: 12 records (9 there, 3 created" in summary


def test_an_uppercase_scheme_is_a_url_and_reaches_the_transports_in_lower_case(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """RFC 3986 schemes are case-insensitive; the transports and proxy rules compare them lower-cased."""
    upper = records_server.url.replace("http://", "HTTP://", 1)
    path = write_scenario(records_scenario(
        upper, sizes=[2], load={"iterations": 3},
        endpoints=[{"name": "list", "path": "/records"},
                   {"name": "absolute", "path": f"{upper.replace('HTTP', 'Http')}/records"}]))
    scenario = load_scenario(path)
    assert scenario.target.base_url == records_server.url.rstrip("/")
    assert scenario.endpoint("absolute").request.path == f"{records_server.url.rstrip('/')}/records"
    outcome = run(path)
    assert [(c.endpoint, c.successes) for c in outcome.result.cells] == [("list", 3), ("absolute", 3)]
    assert outcome.result.meta.transport == "httptools"
