"""Secrets given or met during a run never reach results.json, --debug output or printed errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import RecordsServer, ScenarioFactory, free_port, make_jwt, records_scenario

from yamlperf.cli import main
from yamlperf.engine.rundir import command_line, secret_arguments
from yamlperf.results import load_results


def test_set_values_of_secret_keys_are_masked_in_the_command_line() -> None:
    argv = ["/bin/yamlperf", "run", "s.yaml", "--set", "auth.token=abc.def", "--set=target.headers.X-Api-Key=k1",
            "--set", "load.iterations=3", "--set", "endpoints[0].query.apikey=zz", "--password", "pw"]
    assert command_line(argv) == ("yamlperf run s.yaml --set 'auth.token=***' '--set=target.headers.X-Api-Key=***' "
                                  "--set load.iterations=3 --set 'endpoints[0].query.apikey=***' --password '***'")
    assert secret_arguments(argv) == ["abc.def", "k1", "zz", "pw"]


def test_a_token_given_with_set_is_not_in_results_or_debug_output(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    with RecordsServer(auth=True) as server:
        token = make_jwt("admin", 300, b"test-signing-key")
        data = records_scenario(server.url, sizes=[2], load={"iterations": 3},
                                endpoints=[{"name": "list", "path": "/records"}])
        data["auth"] = {"type": "bearer", "token": "{{ env.NOT_SET_HERE | default('') }}"}
        path = write_scenario(data)
        done = subprocess.run([sys.executable, "-m", "yamlperf", "run", str(path), "--debug",
                               "--set", f"auth.token={token}"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert server.unauthorized == 0
    run_dir = next((tmp_path / "out").iterdir())
    text = (run_dir / "results.json").read_text("utf-8")
    assert token not in text
    assert token.split(".")[2] not in text
    assert "--set 'auth.token=***'" in json.loads(text)["meta"]["command"]
    assert load_results(run_dir).complete
    assert "GET http://127.0.0.1" in done.stderr
    assert token not in done.stderr
    assert token not in done.stdout


QKEY, HKEY, BKEY = "query-key-5b1e9c", "header-key-77d0a2", "body-secret-c4f81e"


def test_rendered_secret_query_header_and_body_values_are_scrubbed_from_debug_output(
        records_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("QKEY", QKEY), ("HKEY", HKEY), ("BKEY", BKEY)):
        monkeypatch.setenv(name, value)
    data = records_scenario(records_server.url, sizes=[2], load={"iterations": 3}, endpoints=[
        {"name": "echo", "method": "POST", "path": "/echo", "query": {"apikey": "{{ env.QKEY }}"},
         "headers": {"X-Api-Key": "{{ env.HKEY }}"},
         "json": {"user": {"client_secret": "{{ env.BKEY }}"}, "n": "{{ i }}"}}])
    data["dataset"]["create"]["query"] = {"apikey": "{{ env.QKEY }}"}
    result = CliRunner().invoke(main, ["run", str(write_scenario(data)), "--debug"])
    assert result.exit_code == 0, result.output
    assert records_server.hits["POST /echo"] == 3
    assert "POST http://127.0.0.1" in result.stderr, "--debug logs the requests"
    assert "urllib3.connectionpool" in result.stderr, "third-party debug lines are shown (and scrubbed)"
    assert "apikey=***" in result.stderr
    text = next((tmp_path / "out").iterdir()).joinpath("results.json").read_text("utf-8")
    for secret in (QKEY, HKEY, BKEY):
        assert secret not in result.stderr
        assert secret not in result.output
        assert secret not in text


def test_a_secret_that_changes_with_every_request_is_registered_a_bounded_number_of_times() -> None:
    from yamlperf.engine.prepare import MAX_REGISTERED, RequestTemplate
    from yamlperf.redact import SecretRegistry
    from yamlperf.scenario import RequestSpec

    secrets = SecretRegistry()
    spec = RequestSpec("GET", "/x", query=(("signature", "sig-{{ i }}"), ("page", "{{ i }}")))
    template = RequestTemplate(spec, "http://127.0.0.1:9", secrets=secrets)
    for i in range(MAX_REGISTERED * 3):
        template.render({"i": i}, {})
    assert len(secrets) == MAX_REGISTERED
    assert "sig-7" in secrets
    assert "1000" not in secrets, "only secret-named parameters are registered"


def test_server_env_secrets_are_scrubbed_from_the_log_tail_an_error_shows(
        write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    db_url = "postgres://app:db-pass-9911@db.internal/app"
    monkeypatch.setenv("TEST_DB_URL", db_url)
    monkeypatch.setenv("TEST_APP_PORT", "18080")
    code = ("import os, sys; print('SECRET_KEY', os.environ['SECRET_KEY']); "
            "print('DATABASE_URL', os.environ['DATABASE_URL']); print('PORT', os.environ['PORT']); sys.exit(3)")
    data = records_scenario(f"http://127.0.0.1:{free_port()}", sizes=[2])
    data["target"]["server"] = {"command": [sys.executable, "-c", code], "start_timeout": "10s",
                                "env": {"SECRET_KEY": "literal-s3cr3t-value", "DATABASE_URL": "{{ env.TEST_DB_URL }}",
                                        "PORT": "{{ env.TEST_APP_PORT }}"}}
    result = CliRunner().invoke(main, ["run", str(write_scenario(data)), "--debug"])
    assert result.exit_code == 3, result.output
    assert "the target exited with code 3 before it was ready" in result.output
    assert "SECRET_KEY ***" in result.output
    assert "DATABASE_URL ***" in result.output
    assert "PORT 18080" in result.output, "a number from the environment is no secret"
    for secret in ("literal-s3cr3t-value", db_url):
        assert secret not in result.output
        assert secret not in result.stderr


def test_every_log_record_is_scrubbed_whoever_logs_it(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from yamlperf.cli.progress import run_logging
    from yamlperf.redact import SecretRegistry

    secrets = SecretRegistry()
    secrets.add("hunter2-secret")
    try:
        raise ValueError("bad token hunter2-secret")
    except ValueError as exc:
        error = exc
    record = logging.LogRecord("urllib3.connectionpool", logging.ERROR, __file__, 1, "GET /?k=%s", ("hunter2-secret",),
                               (type(error), error, error.__traceback__), sinfo="stack with hunter2-secret")
    record.exc_text = "Traceback: ValueError: bad token hunter2-secret"  # as another handler formatted it
    with run_logging(True, secrets):
        logging.getLogger("urllib3.connectionpool").handle(record)
        logging.getLogger("requests").debug("requests says %s", "hunter2-secret")
    err = capsys.readouterr().err
    assert "GET /?k=***" in err
    assert "requests says ***" in err
    assert "hunter2-secret" not in err


def test_a_password_in_the_base_url_is_refused_without_being_repeated(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """``http://user:password@host`` was never sent by measured requests and reached results.json:
    it is a located mistake, and the message does not print the password back."""
    secret = "url-pass-9c1f3e"
    url = records_server.url.replace("http://", f"http://admin:{secret}@")
    path = write_scenario(records_scenario(url, sizes=[2], load={"iterations": 2}))
    for args in (["run", str(path), "--debug"], ["run", str(path.with_name("x.yaml")), "--host", url]):
        if args[1].endswith("x.yaml"):
            path.with_name("x.yaml").write_text(path.read_text().replace(url, records_server.url))
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "the URL carries credentials" in result.output
        assert "auth: {type: basic}" in result.output
        assert secret not in result.output
    assert records_server.load_hits() == 0
