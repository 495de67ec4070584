"""Endpoints that write at a dataset size make it drift: plan and run say so; dataset.count re-counts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from servers import RecordsServer, ScenarioFactory, records_scenario

from yamlperf.cli import main
from yamlperf.results import load_results

WRITER = {"name": "add", "method": "POST", "path": "/records", "json": {"title": "measured {{ i }}"}}


def test_plan_and_run_say_that_a_writing_endpoint_may_make_the_dataset_drift(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    data = records_scenario(records_server.url, sizes=[3, 6], load={"iterations": 2},
                            endpoints=[{"name": "list", "path": "/records"}, WRITER])
    data["dataset"]["count"] = {"path": "/records/count", "count_path": "total"}
    path = write_scenario(data)
    plan = CliRunner().invoke(main, ["plan", str(path)])
    assert plan.exit_code == 0, plan.output
    [line] = [line for line in plan.output.splitlines() if "drift" in line]
    assert line.startswith("note: add (POST) may add or remove records at each dataset size")
    assert "dataset.count re-counts the records before each size" in line
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert sum("the dataset size may drift" in line for line in result.stdout.splitlines()) == 1
    saved = load_results(next((tmp_path / "out").iterdir()))
    assert [(s.size, s.existing, s.created) for s in saved.seeding] == [(3, 0, 3), (6, 5, 1)], \
        "the second size counts the 2 records the measured POSTs added"


def test_read_only_endpoints_and_runs_without_a_count_are_told_apart(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    reading = write_scenario(records_scenario(records_server.url, sizes=[3]), "reading.yaml")
    assert "drift" not in CliRunner().invoke(main, ["plan", str(reading)]).output
    writing = write_scenario(records_scenario(records_server.url, sizes=[3], endpoints=[WRITER]), "writing.yaml")
    output = CliRunner().invoke(main, ["plan", str(writing)]).output
    assert "add dataset.count to re-count the records before each size" in output
