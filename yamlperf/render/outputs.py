"""Write a run's requested output formats into its run folder: one writer per format.

``json`` is the runner's (results.json is written before anything else, so a failed chart never
loses a measurement); any format without a writer here is left alone for the module that owns it
to register in ``WRITERS``. Every file goes through ``results.write_atomic``: a reader never sees
half a report.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..results import RunResult, write_atomic

if TYPE_CHECKING:
    from .figure import Chart

logger = logging.getLogger(__name__)

CHARTS_DIR = "charts"
REPORT_FILE = "report.html"
CSV_FILE = "stats.csv"
SERIES_CSV_FILE = "series.csv"
JUNIT_FILE = "junit.xml"
CHART_FORMATS = ("svg", "png", "pdf")


@dataclass(frozen=True)
class OutputJob:
    """What a writer gets: the run, its folder, and the charts, drawn on first use and then shared
    by every format (a csv-only run never draws them). Not slotted: ``charts`` is cached on it."""

    result: RunResult
    run_dir: Path
    log_scale: bool | None = None
    notes: list[str] = field(default_factory=list)
    """What a writer could not do and the user should know (report.pdf without a Chromium)."""

    @functools.cached_property
    def charts(self) -> tuple[Chart, ...]:
        from .charts import build_charts  # pygal: loaded when a chart is drawn, not for results.json alone

        return build_charts(self.result, self.log_scale)

    @functools.cached_property
    def report(self) -> str:
        """report.html's text, rendered once for the page and for report.pdf."""
        from .report import report_html

        return report_html(self.result, self.charts)


Writer = Callable[[OutputJob], list[Path]]


def _write_report(job: OutputJob) -> list[Path]:
    path = job.run_dir / REPORT_FILE
    write_atomic(path, job.report)
    return [path]


def _write_pdf(job: OutputJob) -> list[Path]:
    """The charts as PDF, and report.pdf: the report printed by headless Chromium, when there is one."""
    from .report_pdf import PDF_FILE, print_report

    paths = _chart_writer("pdf", _pdf)(job)
    printed = job.run_dir / PDF_FILE
    why = print_report(job.report, printed)
    if why:
        job.notes.append(why)
        return paths
    return [*paths, printed]


def _chart_writer(extension: str, convert: Callable[[str], str | bytes]) -> Writer:
    def write(job: OutputJob) -> list[Path]:
        paths = []
        for chart in job.charts:
            path = job.run_dir / CHARTS_DIR / f"{chart.name}.{extension}"
            write_atomic(path, convert(chart.svg))
            paths.append(path)
        return paths

    return write


def _png(svg: str) -> bytes:
    """CairoSVG (and cffi, ~0.1 CPU-s) is loaded only when a PNG or PDF is written."""
    from .export import svg_to_png

    return svg_to_png(svg)


def _pdf(svg: str) -> bytes:
    from .export import svg_to_pdf

    return svg_to_pdf(svg)


def _write_csv(job: OutputJob) -> list[Path]:
    from .csv_export import series_csv, stats_csv

    path = job.run_dir / CSV_FILE
    write_atomic(path, stats_csv(job.result))
    series = job.run_dir / SERIES_CSV_FILE
    write_atomic(series, series_csv(job.result))
    return [path, series]


def _write_junit(job: OutputJob) -> list[Path]:
    from .junit import junit_xml

    path = job.run_dir / JUNIT_FILE
    write_atomic(path, junit_xml(job.result))
    return [path]


WRITERS: dict[str, Writer] = {
    "html": _write_report,
    "svg": _chart_writer("svg", lambda svg: svg),
    "png": _chart_writer("png", _png),
    "pdf": _write_pdf,
    "csv": _write_csv,
    "junit": _write_junit,
}
"""Format -> writer. Another output registers itself here with the same signature."""
WRITTEN_ELSEWHERE = frozenset({"json"})
"""Formats the scenario language knows that this module does not write (yet) itself."""


def write_outputs(result: RunResult, run_dir: Path, formats: Sequence[str],
                  log_scale: bool | None = None, notes: list[str] | None = None) -> list[Path]:
    """Write each requested format that has a writer; returns the files written, in format order.

    ``log_scale`` None follows the scenario's ``output.log_scale``; ``notes`` receives what could not
    be written and why. An unknown format is a ``ValueError``: the schema and the CLI only let known
    ones through.
    """
    unknown = [f for f in formats if f not in WRITERS and f not in WRITTEN_ELSEWHERE]
    if unknown:
        raise ValueError(f"unknown output format(s): {', '.join(unknown)}")
    wanted = [f for f in dict.fromkeys(formats) if f in WRITERS]
    if not wanted:
        return []
    job = OutputJob(result, run_dir, log_scale, notes if notes is not None else [])
    written: list[Path] = []
    for name in wanted:
        paths = WRITERS[name](job)
        logger.debug("%s: wrote %d file(s)", name, len(paths))
        written.extend(paths)
    return written
