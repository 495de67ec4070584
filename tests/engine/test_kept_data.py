"""A run on data that is already there: ids found for `{{ id }}` (or what to add, before measuring),
cells that carry the size they measured, a plan without a count that says so."""

from __future__ import annotations

import json

from real_api import RealApiServer
from servers import RecordsServer, ScenarioFactory, records_scenario, run_plan

from yamlperf.analysis.endpoint import endpoint_growth
from yamlperf.render.report import report_html
from yamlperf.results import load_results

COUNT_WITH_IDS = {"path": "/records", "count_path": "total", "ids_path": "items.*.id"}


def test_a_rerun_on_kept_data_reads_the_ids_of_the_records_there(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    plan = write_scenario(records_scenario(records_server.url, sizes=[3, 6], dataset={"count": COUNT_WITH_IDS}))
    code, output, _ = run_plan(plan, "--keep-data")
    assert code == 0, output
    kept, reads = set(records_server.records), records_server.hits["GET /records/{id}"]
    code, output, run_dir = run_plan(plan)
    assert code == 0, output
    result = load_results(run_dir)
    assert [(s.existing, s.created) for s in result.seeding] == [(6, 0), (6, 0)]
    details = [c for c in result.cells if c.endpoint == "detail"]
    assert [c.success_rate for c in details] == [1.0, 1.0]
    assert records_server.hits["GET /records/{id}"] - reads == 20
    assert set(records_server.records) == kept, "records found, not created, are not deleted"


def test_string_ids_under_data_and_a_count_header_as_real_apis_send_them(write_scenario: ScenarioFactory) -> None:
    with RealApiServer() as api:
        for n in range(5):
            api.records[f"0000-{n}"] = {"id": f"0000-{n}", "email": f"kept{n}@example.com"}
        plan = write_scenario({
            "name": "uuids", "target": {"base_url": api.url},
            "dataset": {"sizes": [4], "create": {"path": "/items", "json": {"email": "u{{ n }}@example.com"}},
                        "id_path": "data.id", "delete": {"path": "/items/{{ id }}"},
                        "count": {"path": "/items", "count_header": "X-Total-Count", "ids_path": "data.*.id"}},
            "load": {"iterations": 5},
            "endpoints": [{"name": "detail", "path": "/items/{{ id }}", "expect": {"json": {"data.id": "{{ id }}"}}}]})
        code, output, run_dir = run_plan(plan)
    assert code == 0, output
    (cell,) = load_results(run_dir).cells
    assert (cell.success_rate, cell.measured_size) == (1.0, 5)


def test_without_ids_the_run_stops_before_measuring_and_says_what_to_add(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(preload=8) as server:
        plan = write_scenario(records_scenario(server.url, sizes=[5],
                                               dataset={"count": {"path": "/records", "count_path": "total"}}))
        code, output, _ = run_plan(plan)
        assert server.hits["GET /records/{id}"] == 0
        assert server.hits["GET /records"] == 1, "counted, nothing measured"
    assert code == 2, output
    assert ("the target already holds enough records for size 5, so this run created none, and no ids are known "
            "for the endpoints that use {{ id }} or {{ ids }} (detail)") in output
    assert "add dataset.count.ids_path: the count answer lists records under 'items': ids_path: 'items.*.id'" in output


def test_cells_carry_the_size_they_measured_and_the_fit_uses_it(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(preload=9) as server:
        plan = write_scenario(records_scenario(server.url, sizes=[5, 12, 20], dataset={"count": COUNT_WITH_IDS},
                                               endpoints=[{"name": "list", "path": "/records"}]))
        code, output, run_dir = run_plan(plan)
    assert code == 0, output
    assert output.count("the target already holds 9 records, more than 5: the cells at size 5 measure 9 records") == 1
    assert "WARNING" not in output
    result = load_results(run_dir)
    assert [(c.size, c.measured_size) for c in result.cells] == [(5, 9), (12, 12), (20, 20)]
    growth = endpoint_growth(result.cells)
    assert growth.sizes == (9, 12, 20)
    assert "Dataset size 5 records (measured on 9)" in report_html(result, [])
    assert "Dataset size: 5 records requested, 9 already there: measured on 9" in output


def test_without_a_count_the_records_already_there_are_said_to_be_unknown(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(preload=200) as server:
        plan = write_scenario(records_scenario(server.url, sizes=[40, 80], endpoints=[{"name": "list", "path": "/records"}]))
        code, output, run_dir = run_plan(plan)
    assert code == 0, output
    assert output.count("dataset.count is not set, so the records already on the target are not known") == 1
    assert "add dataset.count: the list request and where its answer gives the total" in output
    assert "Dataset size: 40 records (40 created in" in output
    assert "records already on the target are not known: the plan has no dataset.count)" in output
    assert "0 there" not in output
    result = load_results(run_dir)
    assert [s.counted for s in result.seeding] == [False, False]
    assert [c.measured_size for c in result.cells] == [None, None]
    assert json.loads((run_dir / "results.json").read_text())["seeding"][0]["counted"] is False
    assert "not counted" in report_html(result, [])
