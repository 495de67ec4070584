"""``yamlperf run`` from the command line: flags as overrides, exit codes, redaction, Ctrl-C, schema."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator
from servers import PASSWORD, USERNAME, RecordsServer, ScenarioFactory, free_port, records_scenario

from yamlperf.cli import main
from yamlperf.engine.rundir import command_line, make_run_dir
from yamlperf.results import load_results

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "results.schema.json"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args])


def results_path(result: Result) -> Path:
    match = re.search(r"^results: (.+)$", result.output, re.MULTILINE)
    assert match, result.output
    return Path(match.group(1))


def test_seed_style_flags_override_the_file(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(f"http://127.0.0.1:{free_port()}"))
    result = invoke(str(path), "--sizes", "2", "4", "6", "--set", "load.iterations=3", "--concurrency", "1,2",
                    "--host", records_server.url)
    assert result.exit_code == 0, result.output
    run = load_results(results_path(result))
    assert [(c.size, c.concurrency, c.requests) for c in run.cells if c.endpoint == "list"] == [
        (2, 1, 3), (2, 2, 3), (4, 1, 3), (4, 2, 3), (6, 1, 3), (6, 2, 3)]
    assert "Endpoint  Requests  Concurrency  Success %" in result.stdout
    assert "Dataset size: 6 records" in result.stdout


def test_comma_sizes_and_concurrent_use_max_workers(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url))
    result = invoke(str(path), "--sizes", "3,5", "--iterations", "2", "--concurrent", "--max-workers", "3")
    assert result.exit_code == 0, result.output
    run = load_results(results_path(result))
    assert {(c.size, c.concurrency) for c in run.cells} == {(3, 3), (5, 3)}


def test_bad_flag_values_are_located_at_the_flag(records_server: RecordsServer,
                                                 write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url))
    result = invoke(str(path), "--iterations", "0", "--sizes", "3,x", "--format", "pdf,bogus")
    assert result.exit_code == 2
    assert "--iterations 0: load.iterations: must be at least 1" in result.output
    assert "--sizes 3,x: dataset.sizes[1]" in result.output
    assert "--format pdf,bogus: output.formats[1]: 'bogus'" in result.output
    assert records_server.load_hits() == 0


@pytest.mark.parametrize(("flags", "message"), [
    (["--iterations", "!!int five"], "--iterations !!int five: load.iterations: expected a whole number"),
    (["--set", "load.warmup=!!bool maybe"], "load.warmup: expected a duration such as 250ms, 2s, 1m or a number of seconds, found '!!bool maybe'"),
    (["--concurrency", ""], "--concurrency needs a number of workers"),
    (["--host", "http://127.0.0.1:99999"], "--host http://127.0.0.1:99999: target.base_url: "
                                           "not a usable URL: Port out of range"),
    (["--host", "http://[::1"], "--host http://[::1: target.base_url: not a usable URL: Invalid IPv6 URL"),
])
def test_flag_values_that_used_to_be_internal_errors_are_exit_2(
        records_server: RecordsServer, write_scenario: ScenarioFactory, flags: list[str], message: str) -> None:
    path = write_scenario(records_scenario(records_server.url))
    result = invoke(str(path), *flags)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "internal error" not in result.output
    assert records_server.load_hits() == 0


@pytest.mark.parametrize("below", ["", "sub"])
def test_an_output_dir_that_is_a_file_is_exit_2_naming_it(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path, below: str) -> None:
    in_the_way = tmp_path / "taken"
    in_the_way.write_text("not a folder")
    folder = in_the_way / below if below else in_the_way
    path = write_scenario(records_scenario(records_server.url))
    result = invoke(str(path), "--output-dir", str(folder))
    assert result.exit_code == 2, result.output
    assert f"output directory {folder}: cannot create a run folder there " \
           f"({in_the_way} is a file, not a folder); nothing was sent to the target" in result.output
    assert "internal error" not in result.output
    assert sum(records_server.hits.values()) == 0


def test_a_wrong_password_exits_3_before_any_load(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(auth=True) as server:
        data = records_scenario(server.url, auth=True)
        del data["auth"]["password"]
        result = invoke(str(write_scenario(data)), "--password", "wrong-password")
        assert result.exit_code == 3, result.output
        assert "login failed" in result.output
        assert "401" in result.output
        assert server.load_hits() == 0


def test_missing_credentials_say_how_to_give_them(write_scenario: ScenarioFactory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YAMLPERF_PASSWORD", raising=False)
    data = records_scenario("http://127.0.0.1:9", auth=True)
    del data["auth"]["password"]
    result = invoke(str(write_scenario(data)))
    assert result.exit_code == 2
    assert "--password" in result.output
    assert "YAMLPERF_PASSWORD" in result.output


def test_an_unreachable_target_exits_3(write_scenario: ScenarioFactory) -> None:
    result = invoke(str(write_scenario(records_scenario(f"http://127.0.0.1:{free_port()}"))))
    assert result.exit_code == 3
    assert "nothing answers at" in result.output


def test_password_and_tokens_never_reach_results_or_debug_output(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(auth=True, token_lifetime=0.1) as server:
        data = records_scenario(server.url, auth=True, sizes=[2],
                                endpoints=[{"name": "slow", "path": "/slow?ms=10"}],
                                load={"iterations": 60, "concurrency": 2})
        data["auth"]["password"] = PASSWORD
        result = invoke(str(write_scenario(data)), "--debug", "--username", USERNAME, "--password", PASSWORD)
        assert result.exit_code == 0, result.output
        assert len(server.tokens) >= 2
        text = results_path(result).read_text("utf-8")
        assert "GET http://127.0.0.1" in result.stderr, "--debug logs every request"
        for secret in (PASSWORD, *server.tokens):
            assert secret not in text
            assert secret not in result.output
        saved = json.loads(text)
        assert saved["scenario"]["auth"]["password"] == "***"


def test_results_validate_against_the_schema(records_server: RecordsServer,
                                             write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[2, 3], load={"iterations": 5, "concurrency": [1, 2]},
                            endpoints=[{"name": "list", "path": "/records"}, {"name": "flaky", "path": "/flaky"}])
    result = invoke(str(write_scenario(data)))
    assert result.exit_code == 0, result.output
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    document = json.loads(results_path(result).read_text("utf-8"))
    errors = list(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
                  .iter_errors(document))
    assert errors == []
    assert document["complete"] is True
    assert len(document["cells"]) == 8
    assert document["meta"]["scenario_sha256"]


def test_ctrl_c_exits_130_with_partial_results_and_no_records_left(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[5, 10],
                            endpoints=[{"name": "slow", "path": "/slow?ms=20"}],
                            load={"iterations": 400, "concurrency": 2})
    path = write_scenario(data)
    process = subprocess.Popen([sys.executable, "-m", "yamlperf", "run", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 20
    while records_server.hits["GET /slow"] < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    run = load_results(next((path.parent / "out").iterdir()))
    assert not run.complete
    assert run.stop_reason == "interrupted"
    assert run.cells
    assert run.cells[0].truncated
    assert 0 < run.cells[0].requests < 400
    assert records_server.records == {}
    assert "results:" in stdout


def test_every_run_gets_its_own_folder(tmp_path: Path) -> None:
    from datetime import datetime

    moment = datetime(2026, 1, 2, 3, 4, 5)
    first = make_run_dir(tmp_path, "My API: scale!", moment)
    second = make_run_dir(tmp_path, "My API: scale!", moment)
    assert first.name == "20260102-030405-my-api-scale"
    assert second.name == "20260102-030405-my-api-scale-2"


def test_the_command_line_hides_the_password_whatever_its_length() -> None:
    assert command_line(["/bin/yamlperf", "run", "s.yaml", "--password", "pw"]) == \
        "yamlperf run s.yaml --password '***'"
    assert command_line(["yamlperf", "--password=pw"]) == "yamlperf '--password=***'"


def test_a_run_stopped_before_measuring_anything_leaves_no_run_folder(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    down = invoke(str(write_scenario(records_scenario(f"http://127.0.0.1:{free_port()}"), "down.yaml")))
    assert down.exit_code == 3, down.output
    with RecordsServer(auth=True) as server:
        data = records_scenario(server.url, auth=True)
        data["auth"]["password"] = "not-the-password"
        refused = invoke(str(write_scenario(data, "refused.yaml")))
        assert refused.exit_code == 3, refused.output
        assert "login failed" in refused.output
    assert not any((tmp_path / "out").iterdir()), "no empty run folder is left behind"


def test_run_folder_names_keep_letters_of_any_script(tmp_path: Path) -> None:
    from datetime import datetime

    moment = datetime(2026, 1, 2, 3, 4, 5)
    assert make_run_dir(tmp_path, "ünïcode 测试", moment).name == "20260102-030405-ünïcode-测试"
    assert make_run_dir(tmp_path, "!!! ???", moment).name == "20260102-030405-run"
