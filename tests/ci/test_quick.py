"""yamlperf quick: the seed's performance_test.py options, run as an ordinary scenario."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.results import load_results

from .delay_server import DelayServer

SEED_COLUMNS = ("Endpoint", "Requests", "Concurrency", "Success", "Avg", "Median", "P95", "Min", "Max")


def _table(output: str) -> tuple[list[str], list[str]]:
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("Endpoint"))
    return lines[at].split("  "), lines[at + 2].split()


def test_defaults_reproduce_the_seed_table_and_save(tmp_path: Path) -> None:
    with DelayServer({"/api/health": 0.002}) as server:
        out = CliRunner().invoke(main, ["quick", server.url, "--save", str(tmp_path / "r.json"),
                                        "--output-dir", str(tmp_path / "runs")])
    assert out.exit_code == 0, out.output
    header, row = _table(out.output)
    titles = [h.strip() for h in header if h.strip()]
    assert [t.split()[0] for t in titles] == list(SEED_COLUMNS)
    assert row[:4] == ["/api/health", "100", "10", "100.0%"]
    saved = load_results(tmp_path / "r.json")
    (cell,) = saved.cells
    assert (cell.requests, cell.concurrency, cell.successes) == (100, 10, 100)
    assert len(list((tmp_path / "runs").glob("*/results.json"))) == 1


def test_auth_logs_in_with_the_seed_defaults(tmp_path: Path) -> None:
    with DelayServer(protected=frozenset({"/api/data"})) as server:
        common = ["quick", server.url, "--endpoint", "/api/data", "--requests", "20", "--concurrency", "4",
                  "--output-dir", str(tmp_path)]
        with_auth = CliRunner().invoke(main, [*common, "--auth"])
        without = CliRunner().invoke(main, common)
        wrong = CliRunner().invoke(main, [*common, "--auth", "--password", "nope"])
    assert _table(with_auth.output)[1][3] == "100.0%"
    assert _table(without.output)[1][3] == "0.0%"
    assert wrong.exit_code == 3


def test_method_headers_and_json_body_are_sent(tmp_path: Path) -> None:
    with DelayServer() as server:
        out = CliRunner().invoke(main, ["quick", server.url, "--endpoint", "/api/items", "--method", "PUT",
                                        "--header", "X-Api-Key: abc", "--data", '{"name": "x"}',
                                        "--requests", "5", "--concurrency", "1", "--output-dir", str(tmp_path)])
        last = server.last
    assert out.exit_code == 0, out.output
    assert last["method"] == "PUT"
    assert json.loads(last["body"]) == {"name": "x"}
    assert last["headers"]["X-Api-Key"] == "abc"
    assert last["headers"]["Content-Type"].startswith("application/json")


def test_emit_yaml_is_a_valid_plan_without_secrets(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["quick", "http://127.0.0.1:8000", "--endpoint", "/api/items",
                                    "--data", "plain text", "--auth", "--password", "hunter2", "--emit-yaml"])
    assert out.exit_code == 0, out.output
    assert "hunter2" not in out.output
    plan = tmp_path / "quick.yaml"
    plan.write_text(out.stdout, encoding="utf-8")
    checked = CliRunner().invoke(main, ["validate", str(plan)])
    assert checked.exit_code == 0, checked.output
    assert "(1 endpoint, 1 cell)" in checked.output
    shown = CliRunner().invoke(main, ["plan", str(plan)])
    assert "POST    /api/items" in shown.output
    assert "load: 100 iterations per cell, concurrency 10" in shown.output


def test_emit_yaml_leaves_out_tokens_given_as_headers_or_in_the_body(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --header 'Authorization: Bearer ...' used to be written into the plan meant for git."""
    out = CliRunner().invoke(main, ["quick", "http://127.0.0.1:8000", "--header", "Authorization: Bearer tok-8d2e",
                                    "--header", "Accept: text/plain", "--data", '{"user": "a", "password": "pw-31c7"}',
                                    "--emit-yaml"])
    assert out.exit_code == 0, out.output
    assert "tok-8d2e" not in out.stdout
    assert "pw-31c7" not in out.stdout
    assert "Authorization: '{{ env.AUTHORIZATION }}'" in out.stdout
    assert "Accept: text/plain" in out.stdout
    assert "export PASSWORD=... before `yamlperf run`" in out.stderr
    plan = tmp_path / "quick.yaml"
    plan.write_text(out.stdout, encoding="utf-8")
    monkeypatch.setenv("AUTHORIZATION", "Bearer tok-8d2e")
    monkeypatch.setenv("PASSWORD", "pw-31c7")
    checked = CliRunner().invoke(main, ["validate", str(plan)])
    assert checked.exit_code == 0, checked.output


def test_a_body_needs_a_method_that_sends_one() -> None:
    out = CliRunner().invoke(main, ["quick", "http://127.0.0.1:8000", "--method", "GET", "--data", "x"])
    assert out.exit_code == 2
    assert "--data needs a method that sends a body" in out.output
    bad = CliRunner().invoke(main, ["quick", "http://127.0.0.1:8000", "--header", "no-colon", "--emit-yaml"])
    assert bad.exit_code == 2


def test_visualize_and_output_image_write_the_seed_chart(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "performance.png"
    with DelayServer() as server:
        out = CliRunner().invoke(main, ["quick", server.url, "--requests", "20", "--visualize",
                                        "--output-image", str(image), "--output-dir", str(tmp_path / "runs")])
    assert out.exit_code == 0, out.output
    with Image.open(image) as picture:
        assert picture.format == "PNG"
        assert picture.width > 200
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "charts" / "response_time_by_endpoint.png").is_file()


def test_the_seed_url_option_and_its_default() -> None:
    """performance_test.py takes ``--url`` (default http://localhost:5000); a user who types the
    seed's command line, or none at all, gets the same target."""
    alone = CliRunner().invoke(main, ["quick", "--emit-yaml"])
    assert alone.exit_code == 0, alone.output
    assert "base_url: http://localhost:5000\n" in alone.output
    assert "path: /api/health\n" in alone.output
    option = CliRunner().invoke(main, ["quick", "--url", "http://127.0.0.1:8000/", "--emit-yaml"])
    assert "base_url: http://127.0.0.1:8000\n" in option.output
    same = CliRunner().invoke(main, ["quick", "http://h:1", "--url", "http://h:1/", "--emit-yaml"])
    assert same.exit_code == 0, same.output
    both = CliRunner().invoke(main, ["quick", "http://a:1", "--url", "http://b:2", "--emit-yaml"])
    assert both.exit_code == 2
    assert "two base URLs: http://a:1 and --url http://b:2; give one of them" in both.output
    assert "Traceback" not in both.output


def test_the_url_option_runs_against_the_server(tmp_path: Path) -> None:
    with DelayServer() as server:
        out = CliRunner().invoke(main, ["quick", "--url", server.url, "--requests", "5", "--concurrency", "2",
                                        "--output-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert _table(out.output)[1][:4] == ["/api/health", "5", "2", "100.0%"]


def test_a_save_or_image_path_that_cannot_be_written_says_so_and_where_the_results_are(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    with DelayServer() as server:
        common = ["quick", server.url, "--requests", "3", "--output-dir", str(tmp_path / "runs")]
        save = CliRunner().invoke(main, [*common, "--save", str(tmp_path / "taken" / "r.json")])
        image = CliRunner().invoke(main, [*common, "--output-image", str(tmp_path / "taken" / "p.png")])
    for flag, out, name in (("--save", save, "r.json"), ("--output-image", image, "p.png")):
        assert out.exit_code == 2, out.output
        assert f"{flag} {tmp_path / 'taken' / name}: cannot write it ({tmp_path / 'taken'} is a file, " \
               "not a folder); the results of this run are in " in out.output
        assert "internal error" not in out.output
    assert len(list((tmp_path / "runs").glob("*/results.json"))) == 2


def test_a_redirect_is_a_failure_that_says_where_it_points(tmp_path: Path) -> None:
    """The seed's script followed redirects; yamlperf times one exchange. A Django path without its
    trailing slash answers 301 to every request: the reason names the path to use (no query)."""
    from raw_servers import ScriptedServer, answer, serve_forever

    moved = answer(b"", "301 Moved Permanently", "Location: /api/health/?next=secret-token\r\n")
    with ScriptedServer(serve_forever(lambda _: moved)) as server:
        out = CliRunner().invoke(main, ["quick", "--url", server.url, "--requests", "3", "--concurrency", "1",
                                        "--output-dir", str(tmp_path)])
    assert out.exit_code == 1, out.output
    assert "status 301, expected 2xx (a redirect to /api/health/, not followed" in out.output
    assert "secret-token" not in out.output
    (results,) = tmp_path.glob("*/results.json")
    assert "secret-token" not in results.read_text()


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A loopback port held bound but not listening: every connection to it is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


def test_save_against_a_target_that_is_down_keeps_the_refused_requests(tmp_path: Path, closed_url: str) -> None:
    """As performance_test.py does, every request is sent and counted; --save wrote nothing before."""
    saved = tmp_path / "r.json"
    out = CliRunner().invoke(main, ["quick", closed_url, "--requests", "6", "--concurrency", "2",
                                    "--save", str(saved), "--output-dir", str(tmp_path / "runs")])
    assert out.exit_code == 3, out.output
    assert f"nothing answers at {closed_url}: none of the 6 requests got an answer (6 refused)" in out.output
    (cell,) = load_results(saved).cells
    assert (cell.requests, cell.successes, dict(cell.failures)) == (6, 0, {"refused": 6})


def test_save_when_the_login_cannot_reach_the_target_says_nothing_was_saved(
        tmp_path: Path, closed_url: str) -> None:
    saved = tmp_path / "r.json"
    out = CliRunner().invoke(main, ["quick", closed_url, "--auth", "--requests", "2", "--save", str(saved),
                                    "--output-dir", str(tmp_path / "runs")])
    assert out.exit_code == 3, out.output
    assert f"--save {saved}: nothing was saved, since no request was measured" in out.output
    assert not saved.exists()


def test_no_answer_is_every_transport_fault_but_a_bad_body() -> None:
    from yamlperf.cli.quick import NO_ANSWER
    from yamlperf.engine.http import FAULTS

    assert frozenset(FAULTS) - {"bad_body", "body_too_large"} == NO_ANSWER
