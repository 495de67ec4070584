"""`run --format` as the seed's `--format`: it picks the chart image format, and the HTML report
(and results.json) are still written; `output.formats` in a file is taken literally."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.cli.run import RunFlags, cli_formats, flag_overrides

from .delay_server import DelayServer


@pytest.mark.parametrize(("given", "formats"), [
    (("pdf",), ["pdf", "html"]),
    (("png,svg",), ["png", "svg", "html"]),
    (("junit", "csv"), ["junit", "csv", "html"]),
    (("html",), ["html"]),
    (("json",), ["json"]),
    (("json,pdf",), ["json", "pdf", "html"]),
])
def test_cli_formats_add_to_the_report(given: tuple[str, ...], formats: list[str]) -> None:
    assert cli_formats(given) == formats
    (override,) = flag_overrides(RunFlags(formats=given))
    assert override.path == "output.formats"
    assert override.value == formats


def test_format_pdf_keeps_the_html_report(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: pdf\ntarget: {base_url: 'http://127.0.0.1:1'}\nload: {iterations: 3}\n"
                    "endpoints:\n  - {name: fine, path: /api/fine}\n"
                    f"output: {{directory: '{tmp_path / 'runs'}', formats: [json, png]}}\n", encoding="utf-8")
    with DelayServer() as server:
        outcome = CliRunner().invoke(main, ["run", str(plan), "--host", server.url, "--format", "pdf"])
    assert outcome.exit_code == 0, outcome.output
    run_dir = Path(re.search(r"^results: (.+)$", outcome.output, re.MULTILINE).group(1)).parent
    assert (run_dir / "report.html").is_file()
    assert (run_dir / "charts" / "response_time_by_endpoint.pdf").read_bytes().startswith(b"%PDF")
    assert not list(run_dir.glob("charts/*.png"))  # the flag picks the image format


def _pipeline_plan(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: ci\ntarget: {base_url: 'http://127.0.0.1:1'}\nload: {iterations: 3}\n"
                    "endpoints:\n  - {name: fine, path: /api/fine}\n"
                    f"output: {{directory: '{tmp_path / 'runs'}', formats: [json, junit, csv, png]}}\n",
                    encoding="utf-8")
    return plan


@pytest.mark.parametrize(("flags", "shown"), [
    (["--format", "svg"], "(json, svg, html, junit, csv)"),
    (["--format", "pdf,csv"], "(json, pdf, csv, html, junit)"),
    (["--format", "json"], "(json)"),
    (["--format", "svg", "--set", "output.formats=[json, png]"], "(json, png)"),
    ([], "(json, junit, csv, png)"),
])
def test_format_picks_the_charts_and_keeps_the_files_pipeline_outputs(
        tmp_path: Path, flags: list[str], shown: str) -> None:
    """The seed's --format is the picture format: a plan's junit.xml and stats.csv, which a pipeline
    reads, were dropped by `--format svg`."""
    out = CliRunner().invoke(main, ["plan", str(_pipeline_plan(tmp_path)), *flags])
    assert out.exit_code == 0, out.output
    assert f"output: {tmp_path / 'runs'} {shown}" in out.output


def test_a_run_with_format_svg_still_writes_junit_and_csv(tmp_path: Path) -> None:
    with DelayServer() as server:
        outcome = CliRunner().invoke(main, ["run", str(_pipeline_plan(tmp_path)), "--host", server.url,
                                            "--format", "svg"])
    assert outcome.exit_code == 0, outcome.output
    run_dir = Path(re.search(r"^results: (.+)$", outcome.output, re.MULTILINE).group(1)).parent
    assert (run_dir / "junit.xml").is_file()
    assert (run_dir / "stats.csv").is_file()
    assert (run_dir / "report.html").is_file()
    assert list(run_dir.glob("charts/*.svg"))
    assert not list(run_dir.glob("charts/*.png"))
