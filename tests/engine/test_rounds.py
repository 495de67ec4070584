"""Rounds, precision sampling, outliers and the query count, in whole runs against real local servers."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from servers import RecordsServer, ScenarioFactory, records_scenario

from yamlperf.demo import DemoServer
from yamlperf.engine.matrix import round_sizes
from yamlperf.engine.progress import NullObserver
from yamlperf.engine.runner import RunOptions, RunOutcome, run_scenario
from yamlperf.loader import load_scenario
from yamlperf.results import load_results

ENDPOINTS = [{"name": "list", "path": "/records"}, {"name": "detail", "path": "/records/{{ id }}"},
             {"name": "static", "path": "/static"}, {"name": "health", "path": "/health"}]
ROUTES = {"GET /records": "list", "GET /records/{id}": "detail", "GET /static": "static", "GET /health": "health"}


def run(path: Path, observer: Any = None) -> RunOutcome:
    return run_scenario(load_scenario(path), RunOptions(scenario_file=path), observer)


def visits(sequence: list[str]) -> list[tuple[str, int]]:
    """The server's log as (endpoint, requests in a row): one entry per visit of a cell."""
    measured = [ROUTES[hit] for hit in sequence if hit in ROUTES]
    return [(name, len(list(run))) for name, run in itertools.groupby(measured)]


def test_round_sizes_spread_the_iterations_and_keep_rounds_big_enough() -> None:
    assert round_sizes(10, 1, 3) == [4, 3, 3]
    assert round_sizes(9, 1, 3) == [3, 3, 3]
    assert round_sizes(5, 1, 3) == [5], "fewer than 3 requests a round: one round"
    assert round_sizes(200, 32, 3) == [67, 67, 66]
    assert round_sizes(100, 32, 3) == [100], "a round needs 2 requests per worker"
    assert round_sizes(7, 1, 1) == [7]


def test_rounds_interleave_the_cells_in_a_recorded_shuffled_order(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[2, 4], endpoints=ENDPOINTS,
                            load={"iterations": 9, "rounds": 3, "seed": 7})
    result = run(write_scenario(data)).result
    assert result.meta.order_seed == 7
    cells = {c.key: c for c in result.cells}
    assert [c.endpoint for c in result.cells] == ["list", "detail", "static", "health"] * 2, "plan order kept"
    for cell in result.cells:
        assert cell.requests == 9
        assert [(r.round, r.requests) for r in cell.rounds] == [(1, 3), (2, 3), (3, 3)]
        assert sum(r.successes for r in cell.rounds) == cell.successes == 9
    expected = []
    for size in (2, 4):
        for number in (1, 2, 3):
            order = sorted((c for c in result.cells if c.size == size),
                           key=lambda c, n=number: c.rounds[n - 1].position)
            expected.extend((c.endpoint, 3) for c in order)
    assert visits(records_server.sequence) == expected, "the server saw the recorded order, a round at a time"
    orders = {tuple(sorted((e["name"] for e in ENDPOINTS), key=lambda name, n=n, s=s: cells[(name, s, 1)]
                           .rounds[n].position)) for n in range(3) for s in (2, 4)}
    assert len(orders) > 1, "the rounds are not all in one order"
    counts = {name: sum(hit == route for hit in records_server.sequence) for route, name in ROUTES.items()}
    assert counts == {"list": 18, "detail": 18, "static": 18, "health": 18}


def test_min_stage_time_spreads_each_sizes_rounds_over_that_long(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """3 rounds over at least 0.9 s: round 2 starts 0.3 s after round 1 at the earliest, round 3
    0.6 s after; the requests are the same, and the next size is paced from its own start."""
    endpoints = [{"name": "static", "path": "/static"}, {"name": "health", "path": "/health"}]
    data = records_scenario(records_server.url, sizes=[2, 4], endpoints=endpoints,
                            load={"iterations": 9, "rounds": 3, "warmup": 1, "min_stage_time": "0.9s"})
    result = run(write_scenario(data)).result
    assert [c.requests for c in result.cells] == [9] * 4
    hits = [(key, at) for key, at in zip(records_server.sequence, records_server.arrivals, strict=True)
            if key in ("GET /static", "GET /health")]
    assert len(hits) == 2 * 2 * 3 * (3 + 1)
    starts = [hits[k][1] for k in range(0, len(hits), 8)]
    assert len(starts) == 6, "a round is 2 cells of 1 warm-up and 3 requests"
    for stage in (starts[:3], starts[3:]):
        assert stage[1] - stage[0] >= 0.3 - 0.01
        assert stage[2] - stage[0] >= 0.6 - 0.01


def test_the_same_seed_repeats_the_order(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[2], endpoints=ENDPOINTS,
                            load={"iterations": 6, "rounds": 2, "seed": 11})
    path = write_scenario(data)
    first = [[r.position for r in c.rounds] for c in run(path).result.cells]
    second = [[r.position for r in c.rounds] for c in run(path).result.cells]
    assert first == second


def test_an_unseeded_run_records_the_seed_it_drew(records_server: RecordsServer,
                                                  write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[2], endpoints=ENDPOINTS[:2], load={"iterations": 6})
    outcome = run(write_scenario(data))
    assert isinstance(outcome.result.meta.order_seed, int)
    assert json.loads((outcome.run_dir / "results.json").read_text())["meta"]["order_seed"] \
        == outcome.result.meta.order_seed


def test_results_are_written_after_every_round(records_server: RecordsServer,
                                               write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[1, 2],
                                           load={"iterations": 6, "rounds": 2}))
    out = path.parent / "out"
    seen: list[int] = []

    class Partial(NullObserver):
        def phase(self, title: str, total: int) -> None:
            if ", round " not in title:
                return
            folder = next(out.iterdir())
            if not (folder / "results.json").exists():
                seen.append(0)
                return
            result = load_results(folder)
            assert not result.complete
            seen.append(sum(c.requests for c in result.cells))

    outcome = run(path, Partial())
    assert seen == [0, 0, 6, 6, 12, 12, 18, 18]
    assert outcome.result.complete
    assert sum(c.requests for c in outcome.result.cells) == 24


def test_a_capturing_plan_keeps_its_order_in_the_first_round(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "list", "path": "/records", "capture": {"first": {"json": "items.0.id"}}},
                 {"name": "detail", "path": "/records/{{ vars.first }}"},
                 {"name": "static", "path": "/static"}]
    data = records_scenario(records_server.url, sizes=[2], endpoints=endpoints,
                            load={"iterations": 9, "rounds": 3, "seed": 3})
    result = run(write_scenario(data)).result
    assert [c.rounds[0].position for c in result.cells] == [0, 1, 2]
    assert all(c.successes == 9 for c in result.cells), [c.errors for c in result.cells]


def test_a_steady_cell_stops_early_and_a_noisy_one_at_its_budget(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "steady", "path": "/slow?ms=20"}, {"name": "noisy", "path": "/noisy?ms=20"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints,
                            load={"iterations": 12, "rounds": 2, "precision": "5%", "max_iterations": 120})
    result = run(write_scenario(data)).result
    steady, noisy = result.cells
    assert steady.requests <= 48, "20 ms +- a little is known within 5% after a round or two more"
    assert steady.precision.reached is True
    assert steady.precision.relative <= 0.05
    assert noisy.requests == 120, "uniform 0-20 ms: its median is not known within 5% from 120 samples"
    assert noisy.precision.reached is False
    assert noisy.precision.relative > 0.05
    assert len(noisy.rounds) > 2, "the extra samples came in further rounds"
    assert sum(r.requests for r in noisy.rounds) == 120
    assert records_server.hits["GET /noisy"] == 120


def test_rounds_that_disagree_are_not_precise_however_tight_the_pooled_interval(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """A busy spell slows a whole round: /phased answers 12 requests at a time in 5, 5, 5 then 40 ms."""
    endpoints = [{"name": "phased", "path": "/phased?every=12&ms=5,5,5,40"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints,
                            load={"iterations": 48, "rounds": 4, "precision": "5%", "precision_floor": "3ms",
                                  "max_iterations": 96})
    (cell,) = run(write_scenario(data)).result.cells
    assert [r.median < 0.02 for r in cell.rounds[:4]] == [True, True, True, False], cell.rounds
    assert cell.precision.half_width <= 0.003, "3 answers in 4 at 5 ms: the pooled median is tight"
    assert cell.precision.rounds_relative * cell.latency.median > 0.003
    assert cell.precision.reached is False
    assert cell.requests == 96, "one more round of 12 at a time, up to the budget"
    assert [r.requests for r in cell.rounds] == [12] * 8


def test_sampling_stops_when_the_cells_time_is_spent(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "noisy", "path": "/noisy?ms=20"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints,
                            load={"iterations": 6, "precision": "1%", "max_iterations": 5000,
                                  "max_sampling_time": "0.4s"})
    (cell,) = run(write_scenario(data)).result.cells
    assert cell.precision.reached is False
    assert 6 < cell.requests < 200
    assert cell.wall_time < 1.0
    assert not cell.truncated


def test_an_absolute_floor_counts_as_precise(records_server: RecordsServer,
                                             write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "noisy", "path": "/noisy?ms=4"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints,
                            load={"iterations": 12, "precision": "0.1%", "precision_floor": "50ms",
                                  "max_iterations": 100})
    (cell,) = run(write_scenario(data)).result.cells
    assert cell.requests == 12
    assert cell.precision.reached is True
    assert cell.precision.floor == 0.05


def test_without_a_target_the_interval_is_reported_and_nothing_more_is_sent(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "noisy", "path": "/noisy?ms=20"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints, load={"iterations": 10})
    (cell,) = run(write_scenario(data)).result.cells
    assert cell.requests == 10
    assert cell.precision.reached is None
    assert cell.precision.low <= cell.latency.median <= cell.precision.high


def test_injected_slow_requests_are_counted_as_outliers_and_kept(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    endpoints = [{"name": "spiky", "path": "/spiky?every=10&ms=60"}]
    data = records_scenario(records_server.url, sizes=[1], endpoints=endpoints, load={"iterations": 40})
    (cell,) = run(write_scenario(data)).result.cells
    assert cell.outliers["high_severe"] >= 4, cell.outliers
    assert cell.outliers["low_severe"] == cell.outliers["low_mild"] == 0
    assert cell.latency.max >= 0.06, "outliers are shown, not dropped"
    assert sorted(cell.samples)[-4] >= 0.06


def demo_plan(tmp_path: Path, url: str, load: str) -> Path:
    path = tmp_path / "queries.yaml"
    path.write_text(
        f"target: {{base_url: '{url}'}}\n"
        "dataset:\n  sizes: [3, 6]\n"
        "  create: {path: /api/prompts, json: {title: 'p {{ n }}', content: c, category: ops}}\n"
        "  delete: {path: '/api/prompts/{{ id }}'}\n"
        f"load: {load}\n"
        "analysis: {query_count_header: x-db-queries}\n"
        "output: {directory: '" + str(tmp_path / "out") + "', formats: [json]}\n"
        "endpoints:\n  - {name: detail, path: '/api/prompts/{{ id }}'}\n"
        "  - {name: related, path: '/api/prompts/{{ id }}/related'}\n")
    return path


def test_the_query_count_header_is_averaged_per_cell_and_round(tmp_path: Path) -> None:
    with DemoServer(port=0, require_auth=False) as server:
        outcome = run(demo_plan(tmp_path, server.url, "{iterations: 6, rounds: 2}"))
    counts = {(c.endpoint, c.size): c.query_count for c in outcome.result.cells}
    assert counts == {("detail", 3): 1.0, ("related", 3): 4.0, ("detail", 6): 1.0, ("related", 6): 7.0}
    assert all(r.query_count == c.query_count for c in outcome.result.cells for r in c.rounds)
    saved = json.loads((outcome.run_dir / "results.json").read_text())
    assert [c["query_count"] for c in saved["cells"]] == [1.0, 4.0, 1.0, 7.0]


def test_no_header_named_no_query_count(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[1], load={"iterations": 3})
    assert all(c.query_count is None for c in run(write_scenario(data)).result.cells)


def test_worker_processes_read_the_query_count_too_and_measure_each_cell_in_one_pass(tmp_path: Path) -> None:
    with DemoServer(port=0, require_auth=False) as server:
        outcome = run(demo_plan(tmp_path, server.url, "{iterations: 8, executor: processes, workers: 2}"))
    cells = outcome.result.cells
    assert {(c.endpoint, c.size): c.query_count for c in cells} == {
        ("detail", 3): 1.0, ("related", 3): 4.0, ("detail", 6): 1.0, ("related", 6): 7.0}
    assert all(c.requests == 8 and not c.rounds for c in cells)


def test_the_reference_is_measured_in_every_precision_round(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """Only the cells not yet precise get the rounds after the planned ones: the plan's reference
    joins each of them, so it sees the machine's speed whenever its size's cells are measured."""
    endpoints = [{"name": "noisy", "path": "/noisy?ms=10"}, {"name": "health", "path": "/health"}]
    load = {"iterations": 12, "rounds": 2, "precision": "5%", "precision_floor": "0.5ms", "max_iterations": 60}
    plain = records_scenario(records_server.url, sizes=[1], endpoints=endpoints, load=load)
    noisy, health = run(write_scenario(plain)).result.cells
    assert len(noisy.rounds) > 2
    assert len(health.rounds) == 2, "steady: precise after its planned rounds"

    data = {**plain, "analysis": {"reference": "health"}}
    noisy, health = run(write_scenario(data)).result.cells
    assert noisy.requests == 60
    assert [r.round for r in health.rounds] == [r.round for r in noisy.rounds]
    assert health.requests == 6 * len(noisy.rounds)
