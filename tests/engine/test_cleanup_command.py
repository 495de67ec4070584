"""`--keep-data` and a killed run leave `leftover_ids.txt`; `yamlperf cleanup RUN_DIR` deletes what it
lists and reports what it could not delete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from servers import PASSWORD, RecordsServer, ScenarioFactory, records_scenario, run_plan

from yamlperf.cli import main


def _cleanup(run_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["cleanup", str(run_dir), *args])
    return result.exit_code, result.output


def test_kept_data_is_listed_and_cleanup_deletes_it_logging_in_as_the_run_did(
        write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True) as server:
        plan = write_scenario(records_scenario(server.url, auth=True, sizes=[4, 7]))
        code, output, run_dir = run_plan(plan, "--keep-data")
        assert code == 0, output
        listed = (run_dir / "leftover_ids.txt").read_text().split()
        assert sorted(listed) == sorted(map(str, server.records))
        assert len(listed) == 7
        assert f"`yamlperf cleanup {run_dir}` deletes them" in output
        logins = server.logins
        code, output = _cleanup(run_dir)
        assert code == 0, output
        assert server.records == {}
        assert server.logins == logins + 1
    assert f"cleanup: 7 of the 7 records listed in {run_dir / 'leftover_ids.txt'} deleted" in output
    assert not (run_dir / "leftover_ids.txt").exists()
    assert _cleanup(run_dir) == (0, f"nothing to clean up: {run_dir} lists no records left on the target\n")
    assert PASSWORD not in output


def test_records_that_cannot_be_deleted_are_reported_and_stay_listed(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    code, output, run_dir = run_plan(write_scenario(records_scenario(records_server.url, sizes=[3])), "--keep-data")
    assert code == 0, output
    gone = min(records_server.records)
    del records_server.records[gone]  # removed behind yamlperf's back: its delete answers 404
    code, output = _cleanup(run_dir)
    assert code == 1, output
    assert "cleanup: 2 of the 3 records listed" in output
    assert "could not delete 1 records (first failure: 404 Not Found from DELETE /records/{{ id }}" in output
    assert (run_dir / "leftover_ids.txt").read_text() == f"{gone}\n"


def test_a_killed_run_leaves_the_ids_it_created_and_cleanup_deletes_them(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    """Killed while measuring the first size (its second endpoint takes 2 s after results.json is first
    written), not while creating records: a kill between a create and its answer would lose that id."""
    plan = write_scenario(records_scenario(records_server.url, sizes=[5, 10], load={"iterations": 40},
                                           endpoints=[{"name": "first", "path": "/slow?ms=1"},
                                                      {"name": "slow", "path": "/slow?ms=50"}]))
    process = subprocess.Popen([sys.executable, "-m", "yamlperf", "run", str(plan)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while not list((tmp_path / "out").glob("*/results.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    (run_dir,) = (tmp_path / "out").iterdir()
    created = set(records_server.records)
    assert created, "the run was killed after seeding"
    assert {int(i) for i in (run_dir / "leftover_ids.txt").read_text().split()} == created
    code, output = _cleanup(run_dir)
    assert code == 0, output
    assert records_server.records == {}
