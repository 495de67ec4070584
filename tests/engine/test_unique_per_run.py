"""Values unique per run: ``{{ run.id }}`` and ``{{ uuid() }}``, for APIs with a unique column that
still hold the records of an earlier run (soft deletes, a cleanup that failed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from real_api import RealApiServer
from servers import ScenarioFactory, run_plan

from yamlperf.cli import main
from yamlperf.results import load_results


def _scenario(url: str, email: str) -> dict[str, Any]:
    return {
        "name": "unique emails",
        "target": {"base_url": url, "timeout": "5s"},
        "dataset": {"sizes": [3], "cleanup": False, "id_path": "data.id",
                    "create": {"path": "/items", "json": {"email": email, "ref": "{{ uuid() }}"}}},
        "load": {"iterations": 2, "max_workers": 2},
        "endpoints": [{"name": "detail", "path": "/items/{{ id }}"}],
    }


def test_a_second_run_with_run_id_in_a_unique_field_creates_instead_of_meeting_409(
        write_scenario: ScenarioFactory) -> None:
    with RealApiServer() as api:
        path = write_scenario(_scenario(api.url, "user{{ n }}-{{ run.id }}@example.com"))
        codes = [run_plan(path)[0] for _ in range(2)]
        records = list(api.records.values())
    assert codes == [0, 0]
    assert len(records) == 6, "the second run's creates were not refused as duplicates"
    ids = {re.fullmatch(r"user\d-([a-z][a-z0-9]{7})@example\.com", r["email"]).group(1)  # type: ignore[union-attr]
           for r in records}
    assert len(ids) == 2, "one run id per run, the same for every record of the run"
    assert len({r["ref"] for r in records}) == 6, "uuid() is new on every call"


def test_the_run_id_is_saved_in_results_json_and_shown_in_the_report(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    with RealApiServer() as api:
        data = _scenario(api.url, "user{{ n }}-{{ run.id }}@example.com")
        data["output"] = {"formats": ["json", "html"]}
        code, out, run_dir = run_plan(write_scenario(data))
        emails = [r["email"] for r in api.records.values()]
    assert code == 0, out
    run_id = load_results(run_dir / "results.json").meta.run_id
    assert re.fullmatch(r"[a-z][a-z0-9]{7}", run_id)
    assert all(email.endswith(f"-{run_id}@example.com") for email in emails)
    assert f"<td>{run_id}</td>" in (run_dir / "report.html").read_text("utf-8")


def test_without_run_id_the_second_run_meets_the_records_of_the_first(write_scenario: ScenarioFactory) -> None:
    """What ``run.id`` is for: ``{{ n }}`` alone repeats, and the API refuses the repeat."""
    with RealApiServer() as api:
        path = write_scenario(_scenario(api.url, "user{{ n }}@example.com"))
        first, _, _ = run_plan(path)
        second, out, _ = run_plan(path)
    assert first == 0
    assert second == 3, out
    assert "409 Conflict" in out


def test_run_and_uuid_are_names_a_plan_may_use_and_a_misspelling_is_located(
        write_scenario: ScenarioFactory) -> None:
    good = write_scenario(_scenario("http://127.0.0.1:9", "u{{ n }}-{{ run.id }}@x.org"), "good.yaml")
    assert CliRunner().invoke(main, ["validate", str(good)]).exit_code == 0
    bad = write_scenario(_scenario("http://127.0.0.1:9", "u{{ n }}-{{ runs.id }}@x.org"), "bad.yaml")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "unknown template variable 'runs'" in result.output
    assert "did you mean 'run'" in result.output
