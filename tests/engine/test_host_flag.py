"""`--host URL` means "test this host": a plan's `target.server` is not started, and `plan` says so."""

from __future__ import annotations

import json

from click.testing import CliRunner
from servers import records_scenario, run_plan

from yamlperf.cli import main

NEVER_STARTS = {"command": "/nonexistent/yamlperf-test-server --port 1", "ready_url": "/health",
                "start_timeout": "2s"}


def test_run_with_host_tests_that_host_and_does_not_start_the_plans_server(records_server, write_scenario) -> None:
    plan = write_scenario(records_scenario("http://127.0.0.1:1", target={"server": NEVER_STARTS}))
    code, output, run_dir = run_plan(plan, "--host", records_server.url)
    assert code == 0, output
    assert f"--host {records_server.url}: testing that host; the plan's target.server is not started" in output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["target"] == records_server.url
    assert "server" not in results["scenario"]["target"]
    assert records_server.hits["GET /records"] == 20


def test_plan_with_host_says_the_server_is_not_started(write_scenario) -> None:
    plan = write_scenario(records_scenario("http://127.0.0.1:1", target={"server": NEVER_STARTS}))
    shown = CliRunner().invoke(main, ["plan", str(plan), "--host", "http://127.0.0.1:9000"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[1] == "target: http://127.0.0.1:9000"
    assert lines[2] == "--host http://127.0.0.1:9000: testing that host; the plan's target.server is not started"
    as_json = json.loads(CliRunner().invoke(main, ["plan", str(plan), "--host", "http://127.0.0.1:9000", "--json"]).output)
    assert as_json["notes"] == [lines[2]]
    without = CliRunner().invoke(main, ["plan", str(plan)]).output
    assert "started by yamlperf: /nonexistent/yamlperf-test-server --port 1" in without
