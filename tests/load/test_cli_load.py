"""The workload flags on the command line, and what a timed run writes: results.json valid against
its schema with the load and series of each cell, series.csv one row per interval."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
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


def test_plan_shows_the_schedule_and_its_cost(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from yamlperf.cli import main

    data = {"name": "ramp", "target": {"base_url": "http://127.0.0.1:9"},
            "load": {"warmup": "2s", "max_in_flight": 40,
                     "stages": [{"duration": "30s", "rate": "50/s"}, {"duration": "2m", "rate": "300/s"},
                                {"duration": "30s", "rate": "0/s"}]},
            "endpoints": [{"name": "search", "path": "/search"},
                          {"name": "steady", "path": "/steady", "rate": "10/s", "duration": "1m"}],
            "thresholds": [{"rules": ["p99 < 200ms over 10s"], "abort_on_fail": True}]}
    import yaml

    path = tmp_path / "ramp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(main, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "load: open model, a ramp of 3 stages over 3m, at most 40 in flight, warm-up 2s" in out
    assert ("sampling: every cell is timed, measured once in one continuous pass (rounds and precision sample "
            "count-based cells)") in out, "no rounds for a plan whose cells are all timed"
    # 0->50 over 30 s (750), 50->300 over 2 m (21,000), 300->0 over 30 s (4,500)
    assert "26,250 ramp 0->50->300->0/s over 3m (+2s warm-up)" in out
    one = CliRunner().invoke(main, ["plan", str(path), "--set", "load.stages=[{duration: 1m, rate: 5/s}]"]).output
    assert "load: open model, a ramp of 1 stage over 1m" in one
    assert "measured requests: 26,850   warm-up requests: " in out, "the totals read as the table's figures do"
    assert "search: 0->50/s for 30s, 50->300/s for 2m, 300->0/s for 30s" in out
    assert "p99 < 200ms over 10s" in out
    planned = json.loads(CliRunner().invoke(main, ["plan", str(path), "--json"]).output)
    search, steady = planned["cells"]
    assert search["model"] == "open"
    assert search["iterations"] == 26250
    assert search["duration_s"] == 180.0
    assert [s["target"] for s in search["stages"]] == [50.0, 300.0, 0.0]
    assert steady["model"] == "open"
    assert steady["iterations"] == 600
    assert planned["planned_seconds"] == pytest.approx(search["duration_s"] + 2 + steady["duration_s"] + 2)


def test_quick_takes_a_rate_and_a_duration(records_server: RecordsServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from yamlperf.cli import main

    emitted = CliRunner().invoke(main, ["quick", records_server.url, "--endpoint", "/health", "--rate", "30/s",
                                        "--duration", "2s", "--concurrency", "5", "--emit-yaml"])
    assert emitted.exit_code == 0, emitted.output
    assert "rate: 30/s" in emitted.output
    assert "duration: 2s" in emitted.output
    assert "max_in_flight: 5" in emitted.output
    result = CliRunner().invoke(main, ["quick", records_server.url, "--endpoint", "/health", "--rate", "30/s",
                                       "--duration", "2s", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.iterdir()
    (cell,) = json.loads((run_dir / "results.json").read_text())["cells"]
    assert cell["load"]["model"] == "open"
    assert cell["requests"] == 60
    timed = CliRunner().invoke(main, ["quick", records_server.url, "--endpoint", "/health", "--duration", "1s",
                                      "--concurrency", "2", "--output-dir", str(tmp_path / "closed")])
    assert timed.exit_code == 0, timed.output
    (closed_dir,) = (tmp_path / "closed").iterdir()
    (closed,) = json.loads((closed_dir / "results.json").read_text())["cells"]
    assert closed["load"]["model"] == "closed"
    assert closed["load"]["duration_s"] == 1.0
    assert closed["requests"] > 2


@pytest.mark.parametrize(("flags", "said"), [
    (["--rate", "fast"], "--rate fast: load.rate: expected a rate such as 300/s"),
    (["--rate", "20/s", "--duration", "soon"], "--duration soon: load.duration: expected a duration such as 250ms"),
    (["--rate", "0/s", "--duration", "2s"], "--rate 0/s: load.rate: an arrival rate of 0/s sends no request"),
])
def test_quick_says_a_wrong_flag_at_the_flag_not_at_a_line_of_a_plan_never_written(
        records_server: RecordsServer, tmp_path: Path, flags: list[str], said: str) -> None:
    from click.testing import CliRunner

    from yamlperf.cli import main

    result = CliRunner().invoke(main, ["quick", records_server.url, "--endpoint", "/health", *flags,
                                       "--output-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "<quick>" not in result.output
    wrong_url = CliRunner().invoke(main, ["quick", "localhost:5000", "--output-dir", str(tmp_path)])
    assert wrong_url.exit_code == 2, wrong_url.output
    assert "URL localhost:5000: target.base_url: expected an http:// or https:// URL" in wrong_url.output
    assert records_server.load_hits() == 0
