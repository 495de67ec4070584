"""Which transport measures a run, what the results say about it, and the urllib3 fallback's proxy."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from raw_servers import ScriptedServer, answer, serve_forever
from servers import RecordsServer, ScenarioFactory, records_scenario

from tests.ci.builders import cell, result
from yamlperf.engine import transport_choice
from yamlperf.engine.fast_http import FastTransport
from yamlperf.engine.http import Prepared, TransportOptions, Urllib3Transport
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.engine.transport_choice import choose_transport, proxy_for
from yamlperf.loader import load_scenario
from yamlperf.results import from_json, to_json

PLAIN = ["http://127.0.0.1:8000"]


def test_plain_http_without_a_proxy_gets_the_fast_transport() -> None:
    choice = choose_transport([*PLAIN, "http://other.test/x"], {})
    assert (choice.factory, choice.name, choice.note, choice.proxy) == (FastTransport, "httptools", "", "")


def test_an_https_origin_gets_urllib3_and_says_why() -> None:
    choice = choose_transport([*PLAIN, "https://api.test/"], {})
    assert (choice.factory, choice.name) == (Urllib3Transport, "urllib3")
    assert "https" in choice.note


@pytest.mark.parametrize(("environ", "proxy"), [
    ({"HTTP_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
    ({"http_proxy": "http://lower:1", "HTTP_PROXY": "http://upper:2"}, "http://lower:1"),
    ({"ALL_PROXY": "http://all:3"}, "http://all:3"),
    ({"HTTPS_PROXY": "http://only-https:4"}, ""),
    ({"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "127.0.0.1,localhost"}, ""),
    ({"HTTP_PROXY": "http://proxy:3128", "no_proxy": "*"}, ""),
])
def test_the_proxy_comes_from_the_environment_as_urllib_reads_it(environ: dict[str, str], proxy: str) -> None:
    assert proxy_for(urlsplit(PLAIN[0]), environ)[0] == proxy
    choice = choose_transport(PLAIN, environ)
    assert choice.name == ("urllib3" if proxy else "httptools")
    assert choice.proxy == proxy


def test_a_proxy_note_names_the_variable_not_the_credentials() -> None:
    choice = choose_transport(PLAIN, {"HTTP_PROXY": "http://user:secret@proxy:3128"})
    assert "HTTP_PROXY" in choice.note
    assert "secret" not in choice.note


def test_without_httptools_urllib3_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_choice, "httptools", None)
    choice = choose_transport(PLAIN, {})
    assert (choice.factory, choice.note) == (Urllib3Transport, "httptools does not import")


def _proxy_script(received: list[bytes]) -> ScriptedServer:
    def reply(request: bytes) -> bytes:
        received.append(request.split(b"\r\n", 1)[0])
        return answer(b'{"via": "proxy"}')

    return ScriptedServer(serve_forever(reply))


def test_urllib3_goes_through_the_proxy_it_is_given() -> None:
    received: list[bytes] = []
    with _proxy_script(received) as proxy:
        transport = Urllib3Transport(TransportOptions(timeout=2, proxy=proxy.url))
        exchange = transport.send(Prepared("GET", "http://api.test:8080", "/items?a=1", {"User-Agent": "t"}))
        transport.close()
    assert (exchange.status, exchange.body) == (200, b'{"via": "proxy"}')
    assert received == [b"GET http://api.test:8080/items?a=1 HTTP/1.1"]


def test_a_run_says_which_transport_measured_it(records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    path = write_scenario(records_scenario(records_server.url, sizes=[2], load={"iterations": 3}))
    outcome = run_scenario(load_scenario(path), RunOptions(scenario_file=path, environ={}))
    saved = json.loads((outcome.run_dir / "results.json").read_text())
    assert (saved["meta"]["transport"], saved["meta"]["transport_note"]) == ("httptools", "")
    assert all(c.successes == 3 for c in outcome.result.cells)


def test_a_run_with_a_proxy_in_its_environment_goes_through_it_with_urllib3(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    received: list[bytes] = []
    with _proxy_script(received) as proxy:
        path = write_scenario(records_scenario(records_server.url, sizes=[1], load={"iterations": 4},
                                               endpoints=[{"name": "list", "path": "/records"}]))
        result = run_scenario(load_scenario(path), RunOptions(scenario_file=path,
                                                              environ={"HTTP_PROXY": proxy.url})).result
    assert (result.meta.transport, result.cells[0].successes) == ("urllib3", 4)
    assert "HTTP_PROXY" in result.meta.transport_note
    assert received.count(f"GET {records_server.url}/records HTTP/1.1".encode()) == 4


def test_results_written_before_the_field_existed_read_as_urllib3() -> None:
    data = to_json(result(cell()))
    del data["meta"]["transport"], data["meta"]["transport_note"]
    assert (from_json(data).meta.transport, from_json(data).meta.transport_note) == ("urllib3", "")


def test_a_plain_run_loads_neither_requests_nor_urllib3_nor_the_chart_libraries(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    """~100 ms of start-up: only a login, seeding, cleanup, a server to start or urllib3 measuring need
    them; pygal and CairoSVG (with cffi, ~0.15 CPU-s) only a chart, a PNG or a PDF."""
    path = write_scenario({"name": "plain", "target": {"base_url": records_server.url},
                           "load": {"iterations": 3}, "endpoints": [{"name": "static", "path": "/static"}]})
    code = ("import sys\nfrom yamlperf.cli import main\n"
            f"sys.argv = ['yamlperf', 'run', {str(path)!r}]\n"
            "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
            "print(sorted(m for m in ('requests', 'urllib3', 'pygal', 'cairosvg', 'cairocffi') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
