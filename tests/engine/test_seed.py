"""Seeding and cleanup under pressure: large sizes, Ctrl-C, creates that fail, what is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from servers import RecordsServer, ScenarioFactory, records_scenario

from yamlperf.cli import main
from yamlperf.results import load_results


def _start_run(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "yamlperf", "run", str(path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for(condition: object, timeout: float, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline and process.poll() is None:  # type: ignore[operator]
        time.sleep(0.02)


def _finish(process: subprocess.Popen[str], timeout: float) -> tuple[str, str, float]:
    started = time.monotonic()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"the run did not stop within {timeout}s\n{stderr[-2000:]}") from None
    return stdout, stderr, time.monotonic() - started


def test_ctrl_c_during_a_large_seed_stops_within_seconds_and_cleans_up(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[200_000], load={"iterations": 1, "max_workers": 4})
    process = _start_run(write_scenario(data))
    _wait_for(lambda: records_server.hits["POST /records"] >= 300, 30, process)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    stdout, stderr, took = _finish(process, timeout=20)
    assert process.returncode == 130, stderr[-2000:]
    assert took < 10, f"stopping took {took:.1f}s"
    assert records_server.records == {}, "the records created before Ctrl-C are deleted"
    assert "results:" in stdout


def test_a_size_no_create_can_reach_stops_the_run_with_exit_3_and_says_why(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    data = records_scenario(records_server.url, sizes=[4, 8], load={"iterations": 3})
    data["dataset"]["create"]["path"] = "/api/prompts"
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 3, result.output
    assert ("could not grow the dataset to 4 records: 0 of 4 creates succeeded; first failure: "
            "404 Not Found from POST /api/prompts") in result.output
    assert "no route POST /api/prompts" in result.output, "the answer's first words are shown"
    assert "Dataset size" not in result.output
    assert records_server.hits["GET /records"] == 0, "nothing is measured on a dataset that is not there"
    saved = load_results(next((tmp_path / "out").iterdir()))
    assert not saved.complete
    assert saved.stop_reason is not None
    assert saved.stop_reason.startswith("target error: could not grow the dataset to 4 records")
    assert [(s.size, s.existing, s.created, s.failed) for s in saved.seeding] == [(4, 0, 0, 4)]
    assert saved.cells == ()


def test_a_partial_shortfall_is_measured_and_says_how_many_records_are_there(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[6], load={"iterations": 2},
                            endpoints=[{"name": "list", "path": "/records"}])
    data["dataset"]["create"] = {"path": "/records",
                                 "body": '{% if n % 3 == 0 %}not json{% else %}{"title": "r{{ n }}"}{% endif %}'}
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 0, result.output
    assert "Dataset size: 6 records requested, only 4 created by this run (4 created in" in result.output
    assert "2 failed" in result.output
    assert records_server.hits["POST /records"] == 6
    assert records_server.records == {}


def test_a_graceful_stop_mid_seed_keeps_the_partial_seeding_step(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    data = records_scenario(records_server.url, sizes=[200_000], load={"iterations": 1, "max_workers": 4})
    process = _start_run(write_scenario(data))
    _wait_for(lambda: records_server.hits["POST /records"] >= 200, 30, process)
    process.send_signal(signal.SIGINT)
    _stdout, stderr, _took = _finish(process, timeout=20)
    assert process.returncode == 130, stderr[-2000:]
    saved = load_results(next((tmp_path / "out").iterdir()))
    [step] = saved.seeding
    assert step.size == 200_000
    assert step.existing == 0
    assert 200 <= step.created == records_server.hits["POST /records"] < 200_000
    assert step.failed == 0
    assert records_server.records == {}


def test_a_forced_stop_during_cleanup_says_how_many_records_are_left_and_lists_their_ids(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    with RecordsServer(delete_delay=0.05) as server:
        data = records_scenario(server.url, sizes=[200_000], load={"iterations": 1, "max_workers": 4})
        process = _start_run(write_scenario(data))
        _wait_for(lambda: server.hits["POST /records"] >= 300, 30, process)
        process.send_signal(signal.SIGINT)
        _wait_for(lambda: server.hits["DELETE /records/{id}"] >= 20, 20, process)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        stdout, stderr, took = _finish(process, timeout=20)
        assert process.returncode == 130, stderr[-2000:]
        assert took < 5, f"a forced stop took {took:.1f}s"
        assert "results:" in stdout
        left = set(server.records)
        assert left, "the forced stop came before the cleanup finished"
        run_dir = next((tmp_path / "out").iterdir())
        listed = {int(line) for line in (run_dir / "leftover_ids.txt").read_text("utf-8").split()}
        assert left <= listed, "every record still there is listed"
        assert len(listed - left) <= 4, "at most the deletes in flight are listed but gone"
        assert f"{len(listed)} records this run created may still be on the target" in stderr
        assert str(run_dir / "leftover_ids.txt") in stderr
        saved = load_results(run_dir)
        assert saved.stop_reason == "interrupted"
        assert saved.seeding[0].created >= 300


def test_a_create_template_that_fails_for_one_record_is_exit_2_and_the_others_are_deleted(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """It used to end in an internal error (exit 4) from the seeding thread."""
    data = records_scenario(records_server.url, sizes=[2, 6], load={"iterations": 2, "max_workers": 1})
    data["dataset"]["create"]["json"] = {"title": "{{ 100 // (n - 4) }}"}
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 2, result.output
    assert ("dataset.create: the request for record 4 cannot be built: template failed: "
            "integer division or modulo by zero; fix the template") in result.output
    assert "internal error" not in result.output
    assert records_server.hits["POST /records"] >= 3
    assert records_server.records == {}, "the records created before the failure are deleted"
