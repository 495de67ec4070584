"""``yamlperf compare BASE NEW [NEW2 ...]``: did a change make the API slower, beyond noise?"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from ..compare import (
    CellComparison,
    Change,
    Comparison,
    Criteria,
    Verdict,
    compare_runs,
    comparisons_json,
    key_label,
)
from ..errors import ExitCode, UsageError
from ..results import load_results, write_atomic
from ..textable import format_table
from .app import echo_error, handle_errors, main


def parse_percent(text: str) -> float:
    """``10%`` or ``10`` -> 10.0."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise UsageError(f"{text!r} is not a percentage; write e.g. 10%") from None
    if value < 0:
        raise UsageError(f"{text!r} is negative; write e.g. 10%")
    return value


@main.command()
@click.argument("base", type=click.Path(exists=True, path_type=Path))
@click.argument("new", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--alpha", default=0.05, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Significance level of the tests.")
@click.option("--min-effect", default="10%", show_default=True, metavar="PCT",
              help="Smallest median change, in percent, that can be a regression or improvement; the "
                   "runs' own noise can raise it (see the method under the table).")
@click.option("--min-effect-ms", default=1.0, show_default=True, type=click.FloatRange(0),
              help="Smallest median change, in milliseconds, that can be a regression or improvement.")
@click.option("--min-rate-change", default=1.0, show_default=True, type=click.FloatRange(0), metavar="POINTS",
              help="Smallest success-rate change, in percentage points, that counts.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the comparison as JSON to this file.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML page with a chart to this file.")
@click.option("--fail-on-regression", metavar="PCT",
              help="Exit 1 if a cell regressed by more than this, e.g. 10% (median rise or success drop).")
@handle_errors
def compare(*, base: Path, new: tuple[Path, ...], alpha: float, min_effect: str, min_effect_ms: float,
            min_rate_change: float, json_file: Path | None, html_file: Path | None,
            fail_on_regression: str | None) -> None:
    """Compare runs (run folders or results.json files) cell by cell against BASE.

    Each cell's median, p95 and success rate are shown with their change; a verdict says
    improved, regressed or unchanged. Only a change that is significant after a Holm correction
    over the cells, larger than the minimum effect and larger than the two runs' own run-to-run
    noise (estimated from how the cells of each endpoint disagree) is called a regression; the
    method and its numbers are printed under each table.
    """
    criteria = Criteria(alpha, parse_percent(min_effect), min_effect_ms / 1e3, min_rate_change)
    limit = parse_percent(fail_on_regression) if fail_on_regression is not None else None
    baseline = load_results(base)
    comparisons = [compare_runs(baseline, load_results(path), criteria, str(base), str(path)) for path in new]
    click.echo("\n\n".join(format_comparison(c) for c in comparisons))
    if json_file:
        write_atomic(json_file, json.dumps(comparisons_json(comparisons), indent=2) + "\n")
        click.echo(f"\nwrote {json_file}")
    if html_file:
        from ..render.compare_page import compare_html

        write_atomic(html_file, compare_html(comparisons))
        click.echo(f"{'' if json_file else chr(10)}wrote {html_file}")
    if limit is not None:
        empty = [c for c in comparisons if not c.cells]
        for comparison in empty:
            echo_error(f"cannot check --fail-on-regression: {comparison.new_label} and "
                       f"{comparison.base_label} have no cells in common (different endpoints, sizes or "
                       "concurrency)")
        if empty:
            raise SystemExit(int(ExitCode.BAD_INPUT))
        beyond = [(c, cell) for c in comparisons for cell in c.regressions_beyond(limit)]
        for comparison, cell in beyond:
            echo_error(f"regression beyond {limit:g}%: {key_label(cell.key)} in {comparison.new_label}: "
                       f"{cell.reason}")
        if beyond:
            raise SystemExit(int(ExitCode.THRESHOLD_FAILED))


def format_comparison(comparison: Comparison) -> str:
    """The console table for one comparison, with the method stated under it."""
    lines = [f"{comparison.new_label} vs {comparison.base_label}", ""]
    header = ("endpoint", "size", "conc", "median ms", "change", "p95 ms", "change", "success", "change",
              "p Holm", "verdict")
    rows = [_row(cell) for cell in comparison.cells]
    lines.append(format_table(header, rows, right={1, 2, 4, 6, 8, 9}) if rows else "  no cells in common")
    for label, keys in (("only in " + comparison.base_label, comparison.only_in_base),
                        ("only in " + comparison.new_label, comparison.only_in_new)):
        if keys:
            lines.append(f"{label}: " + ", ".join(key_label(k) for k in keys))
    if comparison.class_changes:
        lines += ["", "growth class changed:", *(f"  {text}" for text in comparison.class_changes)]
    counts = ", ".join(f"{comparison.count(v)} {v.value}" for v in Verdict)
    lines += ["", counts if comparison.cells else "nothing compared"]
    alone = [c for c in comparison.cells if c.moved_alone]
    if alone:
        lines.append("moved alone, not called (a burst of interference can do this; run again to confirm): "
                     + ", ".join(f"{key_label(c.key)} {_pct(c.median.percent)}" for c in alone))
    lines.append(comparison.describe())
    return "\n".join(lines)


def _row(cell: CellComparison) -> tuple[str, ...]:
    rate = cell.success_rate
    return (
        cell.endpoint, "-" if cell.size is None else str(cell.size), str(cell.concurrency),
        _pair(cell.median, _ms), _delta_ms(cell.median), _pair(cell.p95, _ms), _pct(cell.p95.percent),
        _pair(rate, _rate), "-" if rate.absolute is None else f"{rate.absolute * 100:+.1f} pt",
        "-" if cell.latency_p_holm is None else f"{cell.latency_p_holm:.2g}",
        cell.verdict.value.upper() if cell.verdict is Verdict.REGRESSED else cell.verdict.value,
    )


def _pair(change: Change, fmt: Callable[[float | None], str]) -> str:
    return f"{fmt(change.base)} -> {fmt(change.new)}"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def _delta_ms(change: Change) -> str:
    if change.absolute is None:
        return "-"
    return f"{change.absolute * 1e3:+.2f} ({_pct(change.percent)})"
