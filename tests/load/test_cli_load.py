"""The workload flags on the command line, and what a timed run writes: results.json valid against
its schema with the load and series of each cell, series.csv one row per interval."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from jsonschema import Draft202012Validator
from servers import RecordsServer, ScenarioFactory, records_scenario, run_plan

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "results.schema.json"


def test_rate_and_duration_flags_make_an_open_cell_with_a_valid_series(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[3], load={"iterations": 5, "concurrency": 2})
    data["endpoints"] = data["endpoints"][:1]
    data["output"] = {"formats": ["json", "csv"]}
    path = write_scenario(data)
    code, output, run_dir = run_plan(path, "--rate", "40/s", "--duration", "1.5s")
    assert code == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    Draft202012Validator(json.loads(SCHEMA.read_text())).validate(results)
    (cell,) = results["cells"]
    assert cell["load"]["model"] == "open"
    assert cell["load"]["asked"] == 60
    assert cell["load"]["duration_s"] == 1.5
    assert [row["t_s"] for row in cell["series"]] == [0.0, 1.0]
    assert sum(row["started"] for row in cell["series"]) == cell["requests"] == 60
    rows = list(csv.DictReader((run_dir / "series.csv").open()))
    assert [r["t_s"] for r in rows] == ["0", "1"]
    assert {r["model"] for r in rows} == {"open"}
    assert sum(int(r["started"]) for r in rows) == 60


def test_iterations_on_the_command_line_replace_a_plans_duration(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[3], load={"duration": "30s"})
    data["endpoints"] = data["endpoints"][:1]
    code, output, run_dir = run_plan(write_scenario(data), "--iterations", "7")
    assert code == 0, output
    (cell,) = json.loads((run_dir / "results.json").read_text())["cells"]
    assert cell["requests"] == 7
    assert cell["load"]["duration_s"] is None


def test_contradicting_workload_keys_are_located_errors(records_server: RecordsServer,
                                                        write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[3], load={"iterations": 5, "duration": "1m"})
    data["endpoints"][0]["duration"] = "5s"
    data["endpoints"][0]["stages"] = [{"duration": "5s", "rate": "1/s"}]
    data["endpoints"][1]["stages"] = [{"duration": "5s", "rate": "1/s"}, {"duration": "5s", "workers": 2}]
    code, output, _ = run_plan(write_scenario(data))
    assert code == 2
    assert "load.duration: `iterations` and `duration` both say how long the cell runs" in output
    assert "endpoints[0].duration: `duration` and `stages` both describe the workload" in output
    assert "endpoints[1].stages: the stages mix `rate` (an open model) and `workers` (a closed one)" in output


def test_an_endpoint_rate_runs_for_the_plans_duration(records_server: RecordsServer, tmp_path: Path) -> None:
    from .conftest import plan, run_data

    data = plan(records_server.url, {"duration": "1s", "concurrency": 2}, tmp_path)
    data["endpoints"].append({"name": "paced", "path": "/static", "rate": "20/s"})
    closed, paced = run_data(data).result.cells
    assert closed.load.model == "closed"
    assert closed.load.duration == 1.0
    assert paced.load.model == "open"
    assert paced.load.asked == 20
    assert paced.requests == 20
