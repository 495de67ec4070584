"""The target's lifecycle: started, waited for, reused when already up, always stopped."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests
import servers
from click.testing import CliRunner
from servers import RecordsServer, ScenarioFactory, free_port, records_scenario, run_plan

from yamlperf.cli import main
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.engine.target import answers, running_target
from yamlperf.errors import TargetError
from yamlperf.loader import load_scenario
from yamlperf.scenario import Server, Target

SERVER_SCRIPT = str(Path(servers.__file__).resolve())


def _target(port: int, command: list[str], **server: object) -> Target:
    return Target(base_url=f"http://127.0.0.1:{port}",
                  server=Server(command=tuple(command), ready_url="/health", start_timeout=10.0,
                                stop_timeout=3.0, **server))  # type: ignore[arg-type]


def test_a_server_is_started_waited_for_and_stopped(tmp_path: Path) -> None:
    port = free_port()
    target = _target(port, [sys.executable, SERVER_SCRIPT, "--port", str(port)])
    with running_target(target, tmp_path / "server.log", threading.Event()):
        assert answers(f"{target.base_url}/health")
    assert not answers(f"{target.base_url}/health")
    assert "serving at" in (tmp_path / "server.log").read_text()


def test_a_running_server_is_reused_when_the_plan_says_so(records_server: RecordsServer, tmp_path: Path) -> None:
    port = int(records_server.url.rsplit(":", 1)[1])
    target = _target(port, ["false"], reuse_existing=True)
    with running_target(target, tmp_path / "server.log", threading.Event()):
        assert answers(f"{target.base_url}/health")
    assert answers(f"{target.base_url}/health"), "a server yamlperf did not start is left running"
    assert not (tmp_path / "server.log").exists()


def test_a_server_that_exits_early_shows_its_last_lines(tmp_path: Path) -> None:
    code = "import sys; print('config file missing: app.toml'); sys.exit(4)"
    target = _target(free_port(), [sys.executable, "-c", code])
    with pytest.raises(TargetError, match="exited with code 4") as caught, \
            running_target(target, tmp_path / "server.log", threading.Event()):
        pass
    assert "config file missing: app.toml" in str(caught.value)


def test_a_server_that_never_gets_ready_is_stopped(tmp_path: Path) -> None:
    code = "import time; print('warming up', flush=True); time.sleep(60)"
    target = Target(base_url=f"http://127.0.0.1:{free_port()}",
                    server=Server(command=(sys.executable, "-c", code), start_timeout=0.5, stop_timeout=2.0))
    with pytest.raises(TargetError, match="did not answer") as caught, \
            running_target(target, tmp_path / "server.log", threading.Event()):
        pass
    assert "warming up" in str(caught.value)


def test_a_run_starts_its_target(write_scenario: ScenarioFactory) -> None:
    port = free_port()
    data = records_scenario(f"http://127.0.0.1:{port}", sizes=[2], load={"iterations": 3})
    data["target"]["server"] = {"command": [sys.executable, SERVER_SCRIPT, "--port", str(port)],
                                "ready_url": "/health", "start_timeout": "10s"}
    path = write_scenario(data)
    outcome = run_scenario(load_scenario(path), RunOptions(scenario_file=path))
    assert [c.successes for c in outcome.result.cells] == [3, 3]
    assert (outcome.run_dir / "server.log").is_file()
    assert not answers(f"http://127.0.0.1:{port}/health")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[RecordsServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    with RecordsServer(tls=servers.self_signed_tls(tmp_path)) as server:
        yield server


def test_a_certificate_that_does_not_verify_stops_the_run_with_exit_3_and_a_hint(
        tls_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(tls_server.url, sizes=[2], load={"iterations": 2}))
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 3, result.output
    assert f"TLS failed at {tls_server.url}: certificate verify failed" in result.output
    assert "target.verify_tls: false" in result.output
    assert tls_server.hits["POST /records"] == 0, "nothing is seeded or measured"


def test_with_verify_tls_off_a_self_signed_target_is_measured(
        tls_server: RecordsServer, write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())  # as a corporate setup may have it
    data = records_scenario(tls_server.url, sizes=[2], load={"iterations": 2})
    data["target"]["verify_tls"] = False
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 0, result.output
    assert tls_server.hits["GET /records/{id}"] == 2


def test_with_verify_tls_naming_the_ca_bundle_a_private_certificate_is_verified_and_measured(
        tls_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    data = records_scenario(tls_server.url, sizes=[2], load={"iterations": 2})
    data["target"]["verify_tls"] = "cert.pem"  # the self-signed certificate is its own CA
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 0, result.output
    assert tls_server.hits["POST /records"] == 2
    assert tls_server.hits["GET /records/{id}"] == 2
    assert tls_server.records == {}, "cleaned up over the verified connection too"


def test_a_ca_bundle_that_does_not_sign_the_certificate_still_stops_the_run(
        tls_server: RecordsServer, write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    data = records_scenario(tls_server.url, sizes=[2], load={"iterations": 2})
    data["target"]["verify_tls"] = requests.certs.where()
    result = CliRunner().invoke(main, ["run", str(write_scenario(data))])
    assert result.exit_code == 3, result.output
    assert "certificate verify failed" in result.output


def test_a_ca_bundle_that_is_not_there_is_a_located_mistake(write_scenario: ScenarioFactory) -> None:
    data = records_scenario("https://127.0.0.1:9", sizes=[2])
    data["target"]["verify_tls"] = "certs/private-ca.pem"
    path = write_scenario(data)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output
    assert "target.verify_tls" in result.output
    assert "CA bundle 'certs/private-ca.pem' not found" in result.output
    assert "Traceback" not in result.output


class _Foreign(BaseHTTPRequestHandler):
    """Another program's server on the port: answers every request 501, as http.server does for POST."""

    server_version = "nginx/1.25.3"
    sys_version = ""
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Foreign.seen.append(f"{self.command} {self.path}")
        self.send_error(501)

    do_POST = do_DELETE = do_GET

    def log_message(self, *args: object) -> None:
        """Quiet."""


def test_a_port_taken_by_another_server_stops_the_run_and_says_what_answers(
        write_scenario: ScenarioFactory) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _Foreign.seen.clear()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}"
        data = records_scenario(url, auth=False, target={"server": {"command": "/nonexistent/server",
                                                                    "ready_url": "/health"}})
        code, output, _ = run_plan(write_scenario(data))
        reused = write_scenario({**data, "target": {**data["target"], "server": {
            **data["target"]["server"], "reuse_existing": True}}}, "reused.yaml")
        reused_code, reused_output, _ = run_plan(reused)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert code == 3, output
    assert (f"port {httpd.server_port} on 127.0.0.1 is taken by another server: it answers 501 to GET /health "
            "(Server: nginx/1.25.3)") in output
    assert "set target.server.reuse_existing: true (or pass --host URL" in output
    assert _Foreign.seen[0] == "GET /health"
    assert reused_code == 3, "reused on request: the server answers 501, so it is reachable but seeding fails"
    assert "could not grow the dataset" in reused_output
    assert "POST /records" in _Foreign.seen
