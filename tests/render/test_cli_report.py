"""``yamlperf report``: redraw a saved run in place or elsewhere; bad input is exit 2 with a message."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.results import RunResult, save_results


def saved(run: RunResult, folder: Path) -> Path:
    return save_results(run, folder / "results.json")


def test_report_redraws_a_run_folder_in_place(runs: dict[str, RunResult], tmp_path: Path) -> None:
    saved(runs["scale"], tmp_path)
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "charts" / "response_time_vs_size.png").is_file()
    assert not (tmp_path / "charts" / "response_time_vs_size.pdf").exists()  # default: html and png
    assert "report.html" in result.output


def test_report_from_a_results_file_to_another_folder(runs: dict[str, RunResult], tmp_path: Path) -> None:
    results = saved(runs["no_dataset"], tmp_path / "run")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(results), "--format", "pdf,svg", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "charts" / "throughput_vs_concurrency.pdf").is_file()
    assert (out / "charts" / "throughput_vs_concurrency.svg").is_file()
    assert not (out / "report.html").exists()
    assert not (results.parent / "charts").exists()


def test_report_regenerates_changed_files(runs: dict[str, RunResult], tmp_path: Path) -> None:
    saved(runs["one_endpoint"], tmp_path)
    report = tmp_path / "report.html"
    report.write_text("stale", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--format", "html", "--log-scale"])
    assert result.exit_code == 0, result.output
    html = report.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "log-log" in html


def test_a_missing_results_file_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path / "nothing.json")])
    assert result.exit_code == 2
    assert "cannot read the results file" in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_results_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{"hello": "world"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad)])
    assert result.exit_code == 2
    assert "not a yamlperf results file" in result.output


def test_broken_json_is_exit_2_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{\n  "format_version": 1,\n  oops\n}', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad)])
    assert result.exit_code == 2
    assert "results.json:3:" in result.output


def test_an_unknown_format_is_exit_2(runs: dict[str, RunResult], tmp_path: Path) -> None:
    saved(runs["one_endpoint"], tmp_path)
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--format", "gif"])
    assert result.exit_code == 2
    assert "unknown format 'gif'" in result.output


def test_an_output_dir_under_a_file_is_bad_input_not_a_bug(runs: dict[str, RunResult], tmp_path: Path) -> None:
    saved(runs["one_endpoint"], tmp_path)
    (tmp_path / "taken").write_text("x")
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--output-dir", str(tmp_path / "taken" / "out")])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'taken'} is a file, not a folder" in result.output
    assert "internal error" not in result.output
