"""``yamlperf report``: redraw a saved run in place or elsewhere; bad input is exit 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def _damaged(data: dict, change: str) -> dict:
    cell = data["cells"][0]
    if change == "size":
        cell["size"] = "big"
    elif change == "concurrency":
        cell["concurrency"] = None
    elif change == "server_timing":
        cell["server_timing_ms"] = {"db": "slow"}
    elif change == "scenario":
        data["scenario"] = 5
    elif change == "duration":
        data["meta"]["duration_s"] = "10s"
    elif change == "seeding":
        data["seeding"] = [{"size": 1, "existing": 0, "created": 1, "failed": 0, "wall_time_s": "x"}]
    return data


@pytest.mark.parametrize(("change", "named"), [
    ("size", "cells[0].size: expected a whole number or null, found 'big'"),
    ("concurrency", "cells[0].concurrency: expected a whole number, found null"),
    ("server_timing", "cells[0].server_timing_ms.db: expected a number, found 'slow'"),
    ("scenario", "scenario: expected an object, found 5"),
    ("duration", "meta.duration_s: expected a number, found '10s'"),
    ("seeding", "seeding[0].wall_time_s: expected a number, found 'x'"),
])
@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_value_of_the_wrong_type_is_exit_2_naming_it(
    runs: dict[str, RunResult], tmp_path: Path, change: str, named: str, command: str,
) -> None:
    """Edited results used to load and then fail deep inside a chart as an internal error (exit 4)."""
    good = saved(runs["scale"], tmp_path / "good")
    bad = tmp_path / "bad" / "results.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps(_damaged(json.loads(good.read_text("utf-8")), change)), encoding="utf-8")
    args = ["report", str(bad), "--format", "html"] if command == "report" else ["compare", str(good), str(bad)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{bad}: {named}" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize(("text", "expected"), [
    ("[" * 100_000 + "]" * 100_000, "results.json: the JSON is nested deeper than any results file is: "
                                    "this is not a results file yamlperf wrote"),
    ('{\n  "format_version": 1' + "0" * 5000 + "}", "results.json:2:21: a number 5,001 digits long, longer than "
                                                  "any value in a results file: this is not a results file yamlperf wrote"),
    ('{"format_version": 2, "cells": []}', "written by a newer yamlperf (results format 2; this one reads format 1)"),
])
def test_json_python_cannot_hold_is_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    bad = tmp_path / "results.json"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad)])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert "sys." not in result.output
    assert "recursion" not in result.output
