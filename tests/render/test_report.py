"""report.html: every section, escaped user text, nothing fetched, incomplete runs said plainly;
write_outputs writes what was asked, atomically, under stable names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from yamlperf.render.outputs import WRITERS, write_outputs
from yamlperf.render.report import configuration_text, report_html
from yamlperf.results import RunResult

from .synthetic import SCRIPT_NAME

SECTIONS = ("analysis", "thresholds", "charts", "results", "failures", "seeding", "configuration", "environment")


@pytest.fixture(scope="module")
def scale_html(written: Callable[[str], Path]) -> str:
    return (written("scale") / "report.html").read_text("utf-8")


def test_every_section_is_there(scale_html: str) -> None:
    for section in SECTIONS:
        assert f'<section id="{section}"' in scale_html, section
    for heading in ("Dataset size 10 records", "Dataset size 500 records", "Per endpoint"):
        assert heading in scale_html


def test_every_chart_is_inline(scale_html: str, charts_of: Callable) -> None:
    for name in charts_of("scale"):
        assert f'id="chart-{name}"' in scale_html
    assert scale_html.count("<svg") >= len(charts_of("scale"))


def test_the_analysis_is_in_words(scale_html: str) -> None:
    assert "super-linear (O(n^2), " in scale_html
    assert "of resamples" in scale_html
    assert "Performance cliff between 100 and 200 records" in scale_html
    assert "Success rate declines with size" in scale_html


def test_thresholds_show_pass_and_fail(scale_html: str) -> None:
    section = scale_html.split('<section id="thresholds">')[1].split("</section>", maxsplit=1)[0]
    assert ">pass<" in section
    assert ">FAIL<" in section
    assert "12.50ms" in section


def test_failures_by_category(scale_html: str) -> None:
    section = scale_html.split('<section id="failures">')[1].split("</section>", maxsplit=1)[0]
    assert "http_5xx" in section
    assert "503 Service Unavailable" in section


def test_nothing_is_fetched_and_only_our_script_runs(scale_html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", scale_html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", scale_html)
    assert scale_html.count("<script") == 1
    assert "kozea.github.io" not in scale_html


def test_script_in_names_and_descriptions_is_escaped(written: Callable[[str], Path]) -> None:
    html = (written("many") / "report.html").read_text("utf-8")
    assert SCRIPT_NAME not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert html.count("<script") == 1


def test_configuration_is_redacted_even_if_the_file_was_not(runs: dict[str, RunResult]) -> None:
    leaky = replace(runs["scale"], scenario={**runs["scale"].scenario, "auth": {"password": "hunter22"}})
    text = configuration_text(leaky)
    assert "hunter22" not in text
    assert "***" in text


def test_an_incomplete_run_says_so_first(written: Callable[[str], Path]) -> None:
    html = (written("incomplete") / "report.html").read_text("utf-8")
    notice = html.index("This run is incomplete.")
    assert notice < html.index('<section id="analysis">')
    assert "interrupted by the user (Ctrl-C)." in html
    assert ">incomplete<" in html


def test_no_dataset_report_has_no_size_sections(written: Callable[[str], Path]) -> None:
    html = (written("no_dataset") / "report.html").read_text("utf-8")
    assert "Dataset size 1" not in html
    assert "Response time vs dataset size" not in html
    assert 'id="chart-throughput_vs_concurrency"' in html
    assert '<section id="seeding"' not in html


def test_report_has_print_styles(scale_html: str) -> None:
    assert "@media print" in scale_html
    assert "break-inside: avoid" in scale_html


def test_outputs_are_written_under_stable_names(written: Callable[[str], Path], charts_of: Callable) -> None:
    folder = written("scale")
    assert (folder / "report.html").is_file()
    for name in charts_of("scale"):
        for extension in ("svg", "png", "pdf"):
            assert (folder / "charts" / f"{name}.{extension}").is_file()
    assert not list(folder.rglob(".*.tmp"))  # atomic writes leave no temporary files


def test_only_the_requested_formats_are_written(runs: dict[str, RunResult], tmp_path: Path) -> None:
    paths = write_outputs(runs["one_endpoint"], tmp_path, ["json", "svg"])
    assert paths
    assert all(p.suffix == ".svg" for p in paths)
    assert not (tmp_path / "report.html").exists()
    assert not (tmp_path / "results.json").exists()  # the runner's, not ours


def test_nothing_requested_writes_nothing(runs: dict[str, RunResult], tmp_path: Path) -> None:
    assert write_outputs(runs["one_endpoint"], tmp_path, ["json"]) == []
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_format_is_refused(runs: dict[str, RunResult], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="gif"):
        write_outputs(runs["one_endpoint"], tmp_path, ["gif"])


def test_writers_are_a_registry() -> None:
    assert {"html", "svg", "png", "pdf"} <= set(WRITERS)


def test_report_html_builds_its_own_charts(runs: dict[str, RunResult]) -> None:
    html = report_html(runs["one_endpoint"], log_scale=True)
    assert "log-log" in html


def test_charts_are_drawn_only_for_formats_that_need_them(runs: dict[str, RunResult], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from yamlperf.render import charts, outputs

    drawn: list[str] = []
    monkeypatch.setattr(charts, "build_charts", lambda result, log_scale=None: drawn.append(result.name) or ())
    outputs.write_outputs(runs["one_endpoint"], tmp_path, ["csv"])
    assert drawn == []
    outputs.write_outputs(runs["one_endpoint"], tmp_path, ["svg", "png"])
    assert drawn == ["one endpoint"]  # once, shared by both formats
