"""The workload models against real local servers: rates held, stalls shown (open) or hidden
(closed), ramps as written, dropped and late requests counted, durations kept."""

from __future__ import annotations

from pathlib import Path

from servers import RecordsServer
from stall_server import StallServer

from .conftest import only_cell, plan, run_data


def measured(cell):
    return [i for i in cell.series if not i.warmup]


def test_an_open_model_cell_holds_its_rate_within_five_percent(records_server: RecordsServer,
                                                                tmp_path: Path) -> None:
    cell = only_cell(run_data(plan(records_server.url, {"rate": "200/s", "duration": "3s"}, tmp_path)))
    assert cell.load is not None
    assert cell.load.model == "open"
    assert cell.load.asked == 600
    assert abs(cell.load.achieved_rate - 200) <= 10
    rows = measured(cell)
    assert len(rows) == 3
    for row in rows:
        assert abs(row.started - 200) <= 10, row
        assert row.target == 200
    assert cell.requests == 600
    assert cell.successes == 600
    assert cell.load.dropped == 0
    assert cell.load.limited_by in {"", "client"}  # "client" when this shared machine starved the scheduler


def test_a_stall_shows_in_the_open_model_and_hides_in_the_closed_one(tmp_path: Path) -> None:
    with StallServer(stall_after=1.0, stall_for=1.0) as server:
        opened = only_cell(run_data(plan(server.url, {"rate": "100/s", "duration": "3s", "max_in_flight": 200},
                                         tmp_path / "open")))
    with StallServer(stall_after=1.0, stall_for=1.0) as server:
        closed = only_cell(run_data(plan(server.url, {"duration": "3s", "concurrency": 1}, tmp_path / "closed")))
    assert opened.latency is not None
    assert closed.latency is not None
    # Open: the ~100 requests due during the stall waited up to the whole second, and say so.
    assert opened.latency.p99 > 0.8
    assert opened.latency.p90 > 0.5
    stalled = max(measured(opened), key=lambda r: r.latency.p99 if r.latency else 0)
    assert stalled.latency is not None
    assert stalled.latency.p99 > 0.8
    assert opened.load.dropped == 0
    # Closed: one worker waited once; every other request was fast, so the percentiles hide it.
    assert closed.latency.max > 0.9
    assert closed.latency.p99 < 0.1
    assert closed.requests > opened.requests


def test_stages_ramp_as_written(records_server: RecordsServer, tmp_path: Path) -> None:
    stages = [{"duration": "1s", "rate": "100/s"}, {"duration": "1s", "rate": "100/s"},
              {"duration": "1s", "rate": "0/s"}]
    cell = only_cell(run_data(plan(records_server.url, {"stages": stages}, tmp_path)))
    counts = [row.started for row in measured(cell)]
    assert len(counts) == 3
    for got, expected in zip(counts, (50, 100, 50), strict=True):
        assert abs(got - expected) <= 2, counts
    assert [row.target for row in measured(cell)] == [50, 100, 50]
    assert cell.load.stages == ((1.0, 100.0), (1.0, 100.0), (1.0, 0.0))


def test_a_closed_ramp_lets_workers_in_as_written(tmp_path: Path) -> None:
    with RecordsServer() as server:
        cell = only_cell(run_data(plan(server.url, {"stages": [{"duration": "2s", "workers": 4}]}, tmp_path,
                                       path="/slow?ms=50")))
    rows = measured(cell)
    assert len(rows) == 2
    # 0 -> 4 workers over 2 s: about one worker in the first second, three in the second, 20/s each.
    assert 10 <= rows[0].started <= 35, rows[0]
    assert 35 <= rows[1].started <= 75, rows[1]
    assert rows[0].target == 1
    assert rows[1].target == 3


def test_arrivals_are_dropped_when_max_in_flight_requests_wait_for_the_target(tmp_path: Path) -> None:
    with RecordsServer() as server:
        cell = only_cell(run_data(plan(server.url, {"rate": "50/s", "duration": "2s", "max_in_flight": 2},
                                       tmp_path, path="/slow?ms=200")))
    load = cell.load
    assert load.asked == 100
    # Two in flight at 200 ms each serve about 10/s of the 50/s asked: the rest are dropped.
    assert 70 <= load.dropped <= 90, load
    assert cell.requests + load.dropped == 100
    assert sum(r.dropped for r in measured(cell)) == load.dropped
    assert load.limited_by == "target"


def test_a_client_that_cannot_keep_up_counts_late_requests_and_names_itself(
        records_server: RecordsServer, tmp_path: Path) -> None:
    cell = only_cell(run_data(plan(records_server.url, {"rate": "50000/s", "duration": "0.5s", "max_in_flight": 200},
                                   tmp_path)))
    load = cell.load
    assert load.asked == 25000
    assert load.late + load.dropped > 1000
    assert load.achieved_rate < 0.95 * 50000
    assert load.limited_by == "client"
    assert cell.requests + load.dropped == 25000


def test_a_duration_cell_stops_on_time_with_complete_results(records_server: RecordsServer,
                                                             tmp_path: Path) -> None:
    outcome = run_data(plan(records_server.url, {"duration": "2s", "concurrency": 2}, tmp_path))
    cell = only_cell(outcome)
    assert outcome.result.complete
    assert not cell.truncated
    assert 2.0 <= cell.wall_time < 3.0
    rows = measured(cell)
    assert [r.t for r in rows] == [0.0, 1.0]
    assert sum(r.ok + r.failed for r in rows) == cell.requests
    assert sum(r.started for r in rows) == cell.requests
    assert rows[-1].in_flight == 0
    assert cell.load.duration == 2.0
    assert cell.load.model == "closed"


def test_a_timed_warm_up_is_kept_in_the_series_before_zero(records_server: RecordsServer, tmp_path: Path) -> None:
    cell = only_cell(run_data(plan(records_server.url, {"rate": "50/s", "duration": "1s", "warmup": "1s"},
                                   tmp_path)))
    warm = [r for r in cell.series if r.warmup]
    assert [r.t for r in warm] == [-1.0]
    assert abs(warm[0].started - 50) <= 3
    assert cell.requests == 50
