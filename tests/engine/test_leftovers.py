"""A cleanup that cannot delete the records the run created: said at the end of the console output,
saved in results.json and put at the top of the report, with the count and the ids' file."""

from __future__ import annotations

from servers import RecordsServer, ScenarioFactory, free_port, records_scenario, run_plan

from yamlperf.render.report import report_html
from yamlperf.results import load_results


def test_deletes_the_target_refuses_are_a_warning_with_the_count_the_reason_and_the_ids_file(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[3], load={"iterations": 2},
                            output={"formats": ["json", "html"]})
    data["dataset"]["delete"] = {"method": "POST", "path": "/auth/login"}  # answers 401
    code, out, run_dir = run_plan(write_scenario(data))
    assert code == 0, "the measurements stand; exit codes are about them (README)"
    leftovers = run_dir / "leftover_ids.txt"
    assert sorted(leftovers.read_text().split()) == ["1", "2", "3"]
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("warning: Cleanup failed: 3 of the 3 records this run created could not be deleted")
    assert "(first failure: 401 Unauthorized from POST /auth/login: " in last
    assert f"Their ids are in {leftovers}, one a line." in last
    cleanup = load_results(run_dir).cleanup
    assert cleanup is not None
    assert (cleanup.deleted, cleanup.failed, cleanup.kept, cleanup.leftover_file) == (0, 3, 0, str(leftovers))
    assert cleanup.first_failure.startswith("401 Unauthorized from POST /auth/login")
    report = (run_dir / "report.html").read_text("utf-8")
    assert "<strong>Records left on the target.</strong> Cleanup failed: 3 of the 3 records" in report
    assert len(records_server.records) == 3


def test_a_partly_failed_cleanup_counts_what_was_deleted_and_what_was_not(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[4], load={"iterations": 1, "max_workers": 1})
    closed = f"http://127.0.0.1:{free_port()}/records"  # refused: nothing listens there
    data["dataset"]["delete"] = {"path": "{% if id % 2 %}/records{% else %}" + closed + "{% endif %}/{{ id }}"}
    code, out, run_dir = run_plan(write_scenario(data))
    assert code == 0, out
    cleanup = load_results(run_dir).cleanup
    assert cleanup is not None
    assert (cleanup.deleted, cleanup.failed) == (2, 2)
    assert "Cleanup failed: 2 of the 4 records" in out
    assert sorted(records_server.records) == [2, 4]


def test_a_template_that_fails_in_the_delete_is_the_reason_given(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[3], load={"iterations": 1})
    data["dataset"]["delete"]["path"] = "/records/{{ id }}/{{ 1 / 0 }}"
    code, out, run_dir = run_plan(write_scenario(data))
    assert code == 0, out
    assert "(first failure: dataset.delete: the request for id " in out.splitlines()[-1]
    assert "template failed: division by zero" in load_results(run_dir).cleanup.first_failure  # type: ignore[union-attr]
    assert len(records_server.records) == 3
    leftovers = (run_dir / "leftover_ids.txt").read_text().split()
    assert sorted(leftovers) == sorted(str(i) for i in records_server.records)


def test_a_clean_run_and_kept_data_say_nothing_and_record_what_happened(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[3], load={"iterations": 1}))
    code, out, run_dir = run_plan(path)
    assert code == 0, out
    assert "warning" not in out.lower()
    saved = load_results(run_dir)
    assert saved.cleanup is not None
    assert (saved.cleanup.deleted, saved.cleanup.failed, saved.cleanup.kept) == (3, 0, 0)
    assert "Records left" not in report_html(saved, [])
    code, out, run_dir = run_plan(path, "--keep-data")
    assert code == 0, out
    assert "Cleanup failed" not in out
    assert load_results(run_dir).cleanup.kept == 3  # type: ignore[union-attr]
    assert sorted((run_dir / "leftover_ids.txt").read_text().split()) == sorted(map(str, records_server.records))


def test_a_dataset_without_a_delete_request_says_where_the_ids_are(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[2], load={"iterations": 1})
    del data["dataset"]["delete"]
    code, out, run_dir = run_plan(write_scenario(data))
    assert code == 0, out
    assert (f"warning: The 2 records this run created are still on the target: the dataset has no `delete` "
            f"request. Their ids are in {run_dir / 'leftover_ids.txt'}, one a line.") in out


def test_a_delete_path_that_answers_404_for_every_record_is_not_taken_for_records_already_gone(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """No endpoint writes, so nothing but the cleanup could have removed a record: the 404s of a
    misspelt delete path used to count as deleted, and the run ended clean with every record left."""
    data = records_scenario(records_server.url, sizes=[3], load={"iterations": 1})
    data["dataset"]["delete"]["path"] = "/recordz/{{ id }}"
    code, out, run_dir = run_plan(write_scenario(data))
    assert code == 0, out
    assert "Cleanup failed: 3 of the 3 records" in out
    assert "(first failure: 404 Not Found from DELETE /recordz/{{ id }}: " in out
    assert sorted((run_dir / "leftover_ids.txt").read_text().split()) == ["1", "2", "3"]
    assert len(records_server.records) == 3
