"""``dataset.count.count_header``: the records already there counted from a header of the answer
(``X-Total-Count``, ``Content-Range``), as APIs that page their lists tell it."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from real_api import RealApiServer
from servers import ScenarioFactory, run_plan

from yamlperf.cli import main
from yamlperf.engine.seed import count_from_header
from yamlperf.results import load_results


def _scenario(url: str, count: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "counted by header",
        "target": {"base_url": url, "timeout": "5s"},
        "dataset": {"sizes": [6, 9], "id_path": "data.id", "count": count,
                    "create": {"path": "/items", "json": {"email": "u{{ n }}-{{ run.id }}@example.com"}},
                    "delete": {"path": "/items/{{ id }}"}},
        "load": {"iterations": 2, "max_workers": 2},
        "endpoints": [{"name": "detail", "path": "/items/{{ id }}"}],
    }


@pytest.mark.parametrize("header", ["X-Total-Count", "content-range"])
def test_records_already_there_are_counted_from_a_header_and_only_the_missing_ones_created(
        write_scenario: ScenarioFactory, header: str) -> None:
    with RealApiServer() as api:
        for k in range(4):
            api.records[f"old-{k}"] = {"id": f"old-{k}", "email": f"old{k}@example.com"}
        path = write_scenario(_scenario(api.url, {"path": "/items", "count_header": header}))
        code, out, run_dir = run_plan(path)
        left = sorted(api.records)
    assert code == 0, out
    seeding = load_results(run_dir).seeding
    assert [(s.size, s.existing, s.created) for s in seeding] == [(6, 4, 2), (9, 6, 3)]
    assert left == [f"old-{k}" for k in range(4)], "only this run's records are deleted"


def test_a_header_without_a_count_falls_back_to_the_records_this_run_created(
        write_scenario: ScenarioFactory) -> None:
    with RealApiServer() as api:
        api.records["old"] = {"id": "old", "email": "old@example.com"}
        path = write_scenario(_scenario(api.url, {"path": "/items", "count_header": "X-Count"}))
        result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert "counting the records failed (no count at header 'X-Count'); assuming the 0 this run created" \
        in result.output


def test_a_count_header_and_a_count_path_together_are_a_located_mistake(write_scenario: ScenarioFactory) -> None:
    data = _scenario("http://127.0.0.1:9", {"path": "/items", "count_path": "meta.total",
                                            "count_header": "X-Total-Count"})
    result = CliRunner().invoke(main, ["validate", str(write_scenario(data))])
    assert result.exit_code == 2, result.output
    assert "scenario.yaml:" in result.output
    assert "give only one of `count_path` and `count_header`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("value", "count"), [
    ("57", 57), (" 57 ", 57), ("items 0-9/57", 57), ("0-24/300", 300), ("*/0", 0), ("items 0-9/*", None),
    ("", None), (None, None), ("many", None), ("-3", None), ("٣", None),
])
def test_a_count_is_a_number_or_the_total_after_the_slash_of_a_range(value: str | None, count: int | None) -> None:
    assert count_from_header(value) == count
