"""RunResult -> one self-contained ``report.html`` (Jinja, autoescaping on; pure).

Everything is inline: the charts as SVG (so their tooltips work), the stylesheet and a small
tooltip script of our own instead of pygal's, which loads from a CDN. The page opens offline,
from a CI artifact store or an e-mail attachment, and prints cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from markupsafe import Markup

from .. import __version__, verdicts
from ..analysis.points import REPLICATES
from ..redact import redact
from ..results import RunResult
from ..textable import join_words
from . import select, tables
from .analysis import Analysis, analyze
from .charts import build_charts
from .console import leftover_notice
from .figure import Chart
from .jinja import environment
from .sampling import precision_notice
from .style import INK, MUTED, PALETTE

SECTIONS = (
    ("analysis", "Analysis"), ("thresholds", "Thresholds"), ("workload", "Workload"), ("charts", "Charts"),
    ("results", "Results"),
    ("failures", "Failures"), ("seeding", "Seeding"), ("configuration", "Configuration"),
    ("environment", "Environment"),
)


def report_html(result: RunResult, charts: Sequence[Chart] | None = None, analysis: Analysis | None = None,
                log_scale: bool | None = None) -> str:
    """The report page; pass ``charts``/``analysis`` when they are already built for other outputs."""
    charts = build_charts(result, log_scale) if charts is None else charts
    analysis = analyze(result) if analysis is None else analysis
    threshold_table, failure_table, seeding_table, workload_table = (
        tables.thresholds(result), tables.failures(result), tables.seeding(result), tables.workload(result))
    present = {"thresholds": threshold_table is not None, "failures": failure_table is not None,
               "seeding": seeding_table is not None, "workload": workload_table is not None}
    return environment().get_template("report.html.j2").render(
        result=result, version=__version__, analysis=analysis, overview=tables.overview(result),
        charts=[(c, Markup(c.svg)) for c in charts],  # built by pygal and our autoescaped template
        endpoint_table=tables.endpoint_summary(result, analysis), size_tables=tables.results_by_size(result),
        scorecard=tables.scorecard(analysis) if select.has_sizes(result) else None, replicates=REPLICATES,
        threshold_table=threshold_table, failure_table=failure_table, seeding_table=seeding_table,
        workload_table=workload_table,
        environment_table=tables.environment(result), configuration=configuration_text(result),
        sections=[s for s in SECTIONS if present.get(s[0], True)], sized=select.has_sizes(result),
        status=_status(result), unanswered=unanswered_notice(result), stopped=stop_notice(result),
        leftover=leftover_notice(result), imprecise=precision_notice(result), ink=INK,
        muted=MUTED,
        accent=PALETTE[0],
    )


STOP_REASONS = {
    "interrupted": "It was stopped by hand (Ctrl-C, or SIGTERM from CI) before every cell was measured.",
}
"""The engine's stop reasons in words; an error's reason is ``target error: ...`` or ``error: ...``."""


def stop_notice(result: RunResult) -> str:
    """Why an incomplete run stopped and what the report holds, in sentences; "" for a complete run."""
    if result.complete:
        return ""
    reason = (result.stop_reason or "").strip().rstrip(".")
    if reason in STOP_REASONS:
        why = STOP_REASONS[reason]
    elif reason.startswith("aborted: "):
        why = f"It was stopped early by a threshold with abort_on_fail: {reason.removeprefix('aborted: ')}."
    elif reason.startswith("target error: "):
        why = f"It stopped because of the target: {reason.removeprefix('target error: ')}."
    elif reason.startswith("error: "):
        why = f"It stopped on an error: {reason.removeprefix('error: ')}."
    else:
        why = f"It stopped before every cell was measured{': ' + reason if reason else ''}."
    count = len(result.cells)
    if not count:
        return f"{why} No cell was measured before that, so there is nothing to chart."
    sizes = select.sizes(result)
    where = f", at {join_words([f'{s:,}' for s in sizes])} records" if sizes else ""
    missing = [s for s in _planned_sizes(result) if s not in sizes]
    skipped = (f" {join_words([f'{s:,}' for s in missing])} records {'was' if len(missing) == 1 else 'were'} "
               "not reached." if missing else "")
    return (f"{why} This report covers the {count} cell{'s' if count != 1 else ''} measured before "
            f"that{where}, and the analysis reads only those.{skipped}")


def _planned_sizes(result: RunResult) -> list[int]:
    dataset = result.scenario.get("dataset") if isinstance(result.scenario, dict) else None
    sizes = dataset.get("sizes") if isinstance(dataset, dict) else None
    return [s for s in sizes if isinstance(s, int)] if isinstance(sizes, list) else []


def unanswered_notice(result: RunResult) -> str:
    """The implicit check in words: which cells had no successful request, or ""."""
    cells = verdicts.unanswered(result)
    if not cells:
        return ""
    by_endpoint: dict[str, list[str]] = {}
    for cell in cells:
        where = "no dataset" if cell.size is None else f"{cell.size:,}"
        by_endpoint.setdefault(cell.endpoint, []).append(where + ("" if len(result.concurrency_levels) < 2
                                                                   else f" x{cell.concurrency}"))
    places = "; ".join(f"{e} ({join_words(spots)}{' records' if spots[0] != 'no dataset' else ''})"
                       for e, spots in by_endpoint.items())
    kinds = sorted({k for c in cells for k, n in c.failures.items() if n})
    noun = "cell" if len(cells) == 1 else "cells"
    return (f"No request succeeded in {len(cells)} {noun}: {places}"
            + (f", failing as {', '.join(kinds)}" if kinds else "")
            + ". Their charts show gaps, not times, and the run fails (exit code 1) whatever the "
              "thresholds say.")


def configuration_text(result: RunResult) -> str:
    """The scenario as run, as YAML. It was redacted when saved; masked again here in case a results
    file was written by hand or by an older version."""
    data = redact(dict(result.scenario))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _status(result: RunResult) -> tuple[str, str]:
    """The badge next to the title: (css level, words)."""
    if not result.complete:
        return "problem", "incomplete"
    if verdicts.unanswered(result):
        return "problem", "requests failed"
    if result.thresholds and not result.thresholds_passed:
        return "problem", "thresholds failed"
    if result.thresholds:
        return "ok", "thresholds passed"
    return "ok", "complete"
