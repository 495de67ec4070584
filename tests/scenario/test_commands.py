"""validate, plan, init and --version as a user drives them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from yamlperf import __version__
from yamlperf.cli import main

SCENARIO = """\
name: items
target:
  base_url: http://127.0.0.1:8000
dataset:
  sizes: [10, 50, 100]
  create:
    path: /items
    json: {title: "Item {{ n }}"}
  delete:
    path: /items/{{ id }}
load:
  concurrency: [1, 4]
  warmup: 2
  iterations: 20
endpoints:
  - name: list
    path: /items
  - name: detail
    path: /items/{{ id }}
"""


def write(tmp_path: Path, text: str, name: str = "scale.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_misspelt_key_prints_one_line_with_a_suggestion_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO.replace("  iterations: 20", "  iteratons: 20"))
    result = subprocess.run([sys.executable, "-m", "yamlperf", "validate", path.name], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first == "scale.yaml:14:3: load: unknown key 'iteratons' (did you mean 'iterations'?)"
    assert "Traceback" not in result.stderr


def test_validate_accepts_good_files_and_reports_each_bad_one(tmp_path: Path) -> None:
    good = write(tmp_path, SCENARIO, "good.yaml")
    bad = write(tmp_path, SCENARIO.replace("sizes: [10, 50, 100]", "sizes: ten"), "bad.yaml")
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{good}: ok (2 endpoints, 12 cells)" in result.output
    assert f"{bad}:5:10: dataset.sizes: expected a list" in result.output


def test_validate_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.output


def test_plan_prints_the_matrix_and_its_cost(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO)
    result = CliRunner().invoke(main, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    assert "cells: 12   measured requests: 240   warm-up requests: 60   records to create: 100" in result.output
    rows = [line.split() for line in result.output.splitlines() if line.strip()[:2].strip().isdigit()]
    assert [(r[1], r[2], r[3]) for r in rows[:4]] == [("10", "1", "list"), ("10", "1", "detail"),
                                                       ("10", "4", "list"), ("10", "4", "detail")]
    assert " ".join(rows[0][6:]) == "20 in 3 rounds (+2 warm-up each)", "each round opens with the warm-up"
    assert " ".join(rows[2][6:]) == "20 in 2 rounds (+2 warm-up each)", "8 requests a round at least for 4 workers"
    assert "sampling: 3 rounds per size, cells interleaved in a shuffled order" in result.output


def test_plan_names_the_reference_and_what_it_is_for(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO + "analysis: {reference: detail}\n")
    result = CliRunner().invoke(main, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    assert ("reference: detail, timed at every size beside the others; the machine's speed it measures "
            "is taken off the other endpoints' request path") in result.output
    plain = CliRunner().invoke(main, ["plan", str(write(tmp_path, SCENARIO, "plain.yaml"))])
    assert "reference:" not in plain.output


def test_plan_shows_what_sampling_for_precision_may_cost(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO.replace("  iterations: 20", "  iterations: 20\n  precision: 5%\n"
                                            "  max_iterations: 50\n  max_sampling_time: 2s\n  seed: 4\n"
                                            "  min_stage_time: 1.5s"))
    result = CliRunner().invoke(main, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    assert "measured requests: 240 (up to 600 sampling for precision)" in result.output
    assert "20-50 in 3 rounds (+2 warm-up each)" in result.output
    assert ("sampling: 3 rounds per size, cells interleaved in a shuffled order (seed 4), spread over at "
            "least 1.5s; sampling on until "
            "the median is known within 5%, at most 50 requests or 2s a cell") in result.output
    plan = json.loads(CliRunner().invoke(main, ["plan", str(path), "--json"]).output)
    assert plan["max_measured_requests"] == 600
    assert plan["cells"][0]["rounds"] == [7, 7, 6]
    assert plan["cells"][0]["max_iterations"] == 50


def test_plan_total_counts_the_cleanup_deletes_and_the_count_requests(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO)
    result = CliRunner().invoke(main, ["plan", str(path)])
    assert "records to create: 100   cleanup deletes: 100   total requests: 500" in result.output
    assert "(the total counts every request above, logins not; --keep-data skips the deletes)" in result.output
    counted = write(tmp_path, SCENARIO.replace("  delete:\n", "  count: {path: /items/count, count_path: total}\n"
                                               "  delete:\n"), "counted.yaml")
    data = json.loads(CliRunner().invoke(main, ["plan", str(counted), "--json"]).output)
    assert (data["records_to_create"], data["records_to_delete"], data["count_requests"]) == (100, 100, 3)
    assert data["total_requests"] == 240 + 60 + 100 + 100 + 3
    kept = write(tmp_path, SCENARIO.replace("  delete:\n", "  cleanup: false\n  delete:\n"), "kept.yaml")
    kept_out = CliRunner().invoke(main, ["plan", str(kept)]).output
    assert "records to create: 100   total requests: 400" in kept_out
    assert "cleanup deletes" not in kept_out


def test_plan_applies_set_overrides_and_locates_their_errors(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO)
    result = CliRunner().invoke(main, ["plan", str(path), "--set", "load.iterations=5", "--json"])
    assert result.exit_code == 0, result.output
    assert '"measured_requests": 60' in result.output
    bad = CliRunner().invoke(main, ["plan", str(path), "--set", "load.iterations=lots"])
    assert bad.exit_code == 2
    assert "--set load.iterations=lots: load.iterations: expected a whole number" in bad.output


def test_init_writes_a_starter_that_validates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "starter.yaml"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    assert target.read_text().lstrip().startswith("#")
    assert runner.invoke(main, ["validate", str(target)]).exit_code == 0
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_the_starter_plan_has_the_seed_scale_tests_defaults(tmp_path: Path) -> None:
    """``manage.py scale_test`` with no options: sizes 10 50 100 200 500, 10 iterations, one request
    at a time, results under performance_results/scale_tests with PNG charts and an HTML report."""
    target = tmp_path / "starter.yaml"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    shown = CliRunner().invoke(main, ["plan", str(target), "--json"])
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.output)
    assert sorted({c["size"] for c in plan["cells"]}) == [10, 50, 100, 200, 500]
    assert {(c["iterations"], c["concurrency"]) for c in plan["cells"]} == {(10, 1)}
    text = target.read_text()
    assert "directory: performance_results/scale_tests" in text
    assert "formats: [json, html, png]" in text


def test_the_starters_load_test_comments_are_a_plan_once_written_in(tmp_path: Path) -> None:
    """What the starter suggests for an everyday load test, put in place of `iterations` as it says."""
    target = tmp_path / "starter.yaml"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    text = target.read_text()
    stages = next(line for line in text.splitlines() if line.strip().startswith("# stages: ["))
    window = next(line for line in text.splitlines() if '"p99 < 200ms over 10s"' in line)
    for load in ("rate: 100/s\n  duration: 1m", stages.replace("# ", "", 1).strip()):
        variant = text.replace("iterations: 10", load, 1).replace(window, '  - "p99 < 200ms over 10s"')
        target.write_text(variant)
        shown = CliRunner().invoke(main, ["plan", str(target), "--json"])
        assert shown.exit_code == 0, (load, shown.output)
        assert {c["model"] for c in json.loads(shown.output)["cells"]} == {"open"}


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_plan_takes_the_run_flags_and_shows_the_run_they_make(tmp_path: Path) -> None:
    """The seed's advanced example, previewed: what ``yamlperf run`` with the same flags executes."""
    path = write(tmp_path, SCENARIO)
    flags = ["--sizes", "25", "75", "150", "300", "--iterations", "20", "--concurrent", "--max-workers", "8",
             "--output-dir", "custom_results", "--format", "pdf", "--host", "http://127.0.0.1:9000"]
    shown = CliRunner().invoke(main, ["plan", str(path), *flags, "--json"])
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.output)
    assert sorted({c["size"] for c in plan["cells"]}) == [25, 75, 150, 300]
    assert {(c["iterations"], c["concurrency"]) for c in plan["cells"]} == {(20, 8)}
    text = CliRunner().invoke(main, ["plan", str(path), *flags]).output
    assert "target: http://127.0.0.1:9000" in text
    assert "output: custom_results (json, pdf, html)" in text
    sequential = json.loads(CliRunner().invoke(main, ["plan", str(path), "--sequential", "--json"]).output)
    assert {c["concurrency"] for c in sequential["cells"]} == {1}


def test_plan_flag_mistakes_point_at_the_flag(tmp_path: Path) -> None:
    path = write(tmp_path, SCENARIO)
    bad = CliRunner().invoke(main, ["plan", str(path), "--sizes", "ten"])
    assert bad.exit_code == 2
    assert "--sizes ten: dataset.sizes[0]: expected a whole number" in bad.output
    both = CliRunner().invoke(main, ["plan", "--diff", str(path), str(path), "--concurrent"])
    assert both.exit_code == 2
    assert "--concurrent previews one plan" in both.output


def test_init_where_a_file_stands_in_for_the_folder_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "taken" / "plan.yaml")])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'taken'} is a file, not a folder (choose another output folder or file name)" in result.output


def test_a_plan_piped_on_standard_input_is_read_as_dash() -> None:
    """``-`` used to be looked up as a file named '-' ("file not found")."""
    good = CliRunner().invoke(main, ["validate", "-"], input=SCENARIO)
    assert good.exit_code == 0, good.output
    assert "-: ok (2 endpoints, 12 cells)" in good.output
    bad = CliRunner().invoke(main, ["plan", "-"], input=SCENARIO.replace("iterations: 20", "iteratons: 20"))
    assert bad.exit_code == 2
    assert "<stdin>:14:3: load: unknown key 'iteratons' (did you mean 'iterations'?)" in bad.output


def test_a_piped_plan_loaded_twice_by_concurrent_is_read_once() -> None:
    """``--concurrent`` loads the plan twice (its max_workers first); stdin was empty the second time."""
    shown = CliRunner().invoke(main, ["plan", "-", "--concurrent", "--max-workers", "3", "--json"], input=SCENARIO)
    assert shown.exit_code == 0, shown.output
    assert {c["concurrency"] for c in json.loads(shown.output)["cells"]} == {3}


def test_validate_does_not_print_a_urls_password_back() -> None:
    leaky = SCENARIO.replace("http://127.0.0.1", "http://me:pw-93kd7@127.0.0.1")
    assert leaky != SCENARIO
    result = CliRunner().invoke(main, ["validate", "-"], input=leaky)
    assert result.exit_code == 2
    assert "the URL carries credentials" in result.output
    assert "http://me:***@127.0.0.1" in result.output
    assert "pw-93kd7" not in result.output


def test_a_reference_that_is_not_an_endpoint_is_located_with_the_fix_and_exits_2(tmp_path: Path) -> None:
    text = SCENARIO + "analysis:\n  reference: nope\n"
    path = write(tmp_path, text)
    result = subprocess.run([sys.executable, "-m", "yamlperf", "validate", path.name], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    line = text.count("\n")
    assert first.startswith(f"scale.yaml:{line}:14: analysis.reference: the reference 'nope' is not one of the "
                            "plan's endpoints (they are: list, detail)"), first
    assert "add an endpoint whose cost does not depend on the data" in first
    assert "Traceback" not in result.stderr


def test_a_reference_with_sizes_of_its_own_is_located_at_them_and_exits_2(tmp_path: Path) -> None:
    text = SCENARIO + "  - name: health\n    path: /health\n    sizes: [10, 100]\nanalysis:\n  reference: health\n"
    result = CliRunner().invoke(main, ["validate", str(write(tmp_path, text))])
    assert result.exit_code == 2
    line = text.splitlines().index("    sizes: [10, 100]") + 1
    assert (f"{tmp_path / 'scale.yaml'}:{line}:12: endpoints[2].sizes: the reference 'health' (analysis.reference) "
            "must be measured at every dataset size") in result.output
    assert "(remove its `sizes:`)" in result.output
    good = text.replace("    sizes: [10, 100]\n", "")
    assert CliRunner().invoke(main, ["validate", str(write(tmp_path, good, "good.yaml"))]).exit_code == 0


def test_a_reference_in_a_plan_without_a_dataset_is_located_and_exits_2(tmp_path: Path) -> None:
    text = ("target: {base_url: 'http://127.0.0.1:1'}\nendpoints:\n  - {name: health, path: /health}\n"
            "analysis:\n  reference: health\n")
    result = CliRunner().invoke(main, ["validate", str(write(tmp_path, text))])
    assert result.exit_code == 2
    assert (f"{tmp_path / 'scale.yaml'}:5:14: analysis.reference: a reference times the machine's speed at "
            "each dataset size, and this plan has no dataset") in result.output
    assert "(add a `dataset:` with `sizes:`, or remove analysis.reference)" in result.output
