"""``yamlperf report RESULTS``: redraw charts and the HTML report from a saved run, without running it."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..errors import UsageError
from ..results import load_results
from .app import echo_error, handle_errors, main

DEFAULT_FORMATS = ("html", "png")
REPORT_FORMATS = ("html", "svg", "png", "pdf")


def parse_formats(given: tuple[str, ...]) -> list[str]:
    """``--format html --format png`` or ``--format html,png``; json is accepted and ignored (it is
    the input). Formats another command writes (csv, junit) are accepted once a writer exists."""
    from ..render.outputs import WRITERS

    formats = [f.lower() for text in given for f in re.split(r"[\s,]+", text.strip()) if f]
    known = {*WRITERS, "json"}
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} for yamlperf report; "
                         f"use {', '.join(sorted(WRITERS))} (several with commas or repeated --format)")
    return list(dict.fromkeys(formats)) or list(DEFAULT_FORMATS)


@main.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--format", "formats", multiple=True, metavar="FMT",
              help="html, svg, png or pdf; repeat or comma-separate [default: html,png].")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write report.html and charts/ [default: the run folder].")
@click.option("--log-scale/--linear-scale", default=None,
              help="Response time vs dataset size on log-log axes, or linear ones "
                   "[default: output.log_scale, else log-log when the times span more than 10x].")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@handle_errors
def report(results: Path, formats: tuple[str, ...], output_dir: Path | None, log_scale: bool | None,
           debug: bool) -> None:
    """Redraw the charts and report of a saved run (a run folder or its results.json).

    A style change or a new chart never needs a new load test. Exit codes: 0 written, 2 the results
    file is missing, unreadable or not a yamlperf results file.
    """
    from ..render.outputs import write_outputs

    wanted = parse_formats(formats)
    result = load_results(results)
    target = output_dir or (results if results.is_dir() else results.parent)
    notes: list[str] = []
    written = write_outputs(result, target, wanted, log_scale=log_scale, notes=notes)
    for note in notes:
        echo_error(f"note: {note}")
    for path in written:
        if path.suffix == ".html" or path.parent.name != "charts":
            click.echo(f"report: {path}")
    charts = sorted({p.parent for p in written if p.parent.name == "charts"})
    for folder in charts:
        count = sum(1 for p in written if p.parent == folder)
        click.echo(f"charts: {folder} ({count} files)")
