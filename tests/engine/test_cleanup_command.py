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
from servers import PASSWORD, RecordsServer, ScenarioFactory, free_port, records_scenario, run_plan

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


def _demo_plan(port: int, db: Path | None = None) -> dict[str, object]:
    """The demo, started and stopped by the run: in memory (a temp file removed at exit) without ``db``."""
    command = [sys.executable, "-m", "yamlperf", "demo-server", "--port", str(port), "--no-auth"]
    return {
        "name": "demo kept", "target": {"base_url": f"http://127.0.0.1:{port}", "server": {
            "command": [*command, *(["--db", str(db)] if db else [])], "ready_url": "/api/health"}},
        "dataset": {"sizes": [4], "create": {"method": "POST", "path": "/api/prompts",
                                              "json": {"title": "p{{ n }}", "content": "c", "category": "ops"}},
                    "id_path": "id", "delete": {"method": "DELETE", "path": "/api/prompts/{{ id }}"}},
        "load": {"iterations": 3}, "endpoints": [{"name": "list", "path": "/api/prompts"}]}


def test_records_kept_on_a_server_the_run_stopped_are_said_lost_with_it_and_cleanup_settles_them(
        write_scenario: ScenarioFactory) -> None:
    """The run starts the plan's server and stops it at the end; `cleanup` finds nothing on the port and
    starts it anew. A server that keeps its data only while it runs (the demo without --db) answers 404
    for every record: they are gone, said so, and not listed again (every try would fail the same)."""
    code, output, run_dir = run_plan(write_scenario(_demo_plan(free_port())), "--keep-data")
    assert code == 0, output
    assert ("The run stopped the server it started (target.server), so they are there only if it stores them: "
            "one that keeps them only while it runs (as `yamlperf demo-server` without --db) has lost them.") in output
    assert f"`yamlperf cleanup {run_dir}` deletes them" in output, "no password to give again"
    code, output = _cleanup(run_dir)
    assert code == 0, output
    assert f"cleanup: 0 of the 4 records listed in {run_dir / 'leftover_ids.txt'} deleted" in output
    assert ("  4 were not there any more (404 or 410 from the delete) on the server cleanup started, as nothing "
            "answered on its port (") in output
    assert "lost them when the run stopped it" in output
    assert "could not delete" not in output
    assert not (run_dir / "leftover_ids.txt").exists()


def test_records_kept_on_a_server_that_stores_them_are_deleted_by_the_server_cleanup_starts(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    code, output, run_dir = run_plan(write_scenario(_demo_plan(free_port(), tmp_path / "demo.db")), "--keep-data")
    assert code == 0, output
    code, output = _cleanup(run_dir)
    assert code == 0, output
    assert f"cleanup: 4 of the 4 records listed in {run_dir / 'leftover_ids.txt'} deleted" in output
    assert "not there any more" not in output
    assert (run_dir / "cleanup-server.log").is_file()


def test_a_password_written_in_the_plan_is_asked_for_in_the_cleanup_command_the_run_prints(
        write_scenario: ScenarioFactory) -> None:
    with RecordsServer(auth=True) as server:
        data = records_scenario(server.url, auth=True, sizes=[3])
        data["auth"] = {**data["auth"], "password": PASSWORD}
        code, output, run_dir = run_plan(write_scenario(data), "--keep-data")
        assert code == 0, output
        assert f"`yamlperf cleanup {run_dir} --password PASSWORD` deletes them" in output
        assert _cleanup(run_dir)[0] == 2, "results.json masks the password"
        code, output = _cleanup(run_dir, "--password", PASSWORD)
        assert code == 0, output
        assert server.records == {}
