"""A cell where no request succeeded fails the run: the exit code, the console, the report and
JUnit say so by one rule, whether or not the scenario has thresholds."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from yamlperf.cli import main
from yamlperf.verdicts import format_unanswered, unanswered

from .builders import cell, result
from .delay_server import DelayServer
from .test_exports import SCHEMA


def _plan(tmp_path: Path, url: str, thresholds: str = "") -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"""\
name: one missing
target: {{base_url: '{url}'}}
load: {{iterations: 10, concurrency: 1}}
endpoints:
  - {{name: fine, path: /api/fine}}
  - {{name: missing, path: /api/missing}}
output: {{directory: '{tmp_path / "runs"}', formats: [json, html, junit]}}
{thresholds}""", encoding="utf-8")
    return path


def _run_dir(output: str) -> Path:
    match = re.search(r"^results: (.+)$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1)).parent


def test_a_404_endpoint_fails_the_run_without_thresholds(tmp_path: Path) -> None:
    with DelayServer() as server:
        server.status["/api/missing"] = 404
        outcome = CliRunner().invoke(main, ["run", str(_plan(tmp_path, server.url))])
    assert outcome.exit_code == 1, outcome.output
    assert "checks: 1 cell has no successful request (the run fails)" in outcome.output
    assert "FAIL  no successful request in missing x1: 10 sent, all failed: http_4xx 10" in outcome.output
    run_dir = _run_dir(outcome.output)
    root = etree.parse(str(run_dir / "junit.xml")).getroot()
    SCHEMA.assertValid(root)
    assert root.get("failures") == "1"
    assert [s.get("name") for s in root.findall("testsuite")] == ["one missing @ no dataset"]  # no empty suite
    assert root.find("testsuite/testcase[@classname='one missing.missing']/failure") is not None
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "requests failed</span>" in report
    assert "No request succeeded in 1 cell: missing" in report


def test_a_healthy_run_without_thresholds_passes_with_no_empty_suite(tmp_path: Path) -> None:
    with DelayServer() as server:
        outcome = CliRunner().invoke(main, ["run", str(_plan(tmp_path, server.url))])
    assert outcome.exit_code == 0, outcome.output
    assert "checks:" not in outcome.output
    root = etree.parse(str(_run_dir(outcome.output) / "junit.xml")).getroot()
    SCHEMA.assertValid(root)
    assert [s.get("tests") for s in root.findall("testsuite")] == ["2"]


def test_quick_on_a_404_path_exits_1_and_still_saves(tmp_path: Path) -> None:
    with DelayServer() as server:
        server.status["/api/gone"] = 404
        saved = tmp_path / "r.json"
        outcome = CliRunner().invoke(main, ["quick", server.url, "--endpoint", "/api/gone", "--requests", "5",
                                            "--concurrency", "1", "--save", str(saved),
                                            "--output-dir", str(tmp_path / "runs")])
    assert outcome.exit_code == 1, outcome.output
    assert "no successful request in /api/gone x1" in outcome.output
    assert saved.is_file()


def test_the_rule_and_its_words() -> None:
    run = result(cell("search", 100), cell("broken", 100, n=5, failures=5), cell("half", 100, n=4, failures=2))
    assert [c.endpoint for c in unanswered(run)] == ["broken"]
    assert format_unanswered(unanswered(run)).splitlines()[1] == (
        "  FAIL  no successful request in broken @ 100 records x1: 5 sent, all failed: http_5xx 5")
    assert format_unanswered(()) == ""
